/**
 * Polls `check` until it holds, failing after `timeoutMs`: a bounded poll on a condition that
 * nothing announces (a server process coming up, a reconnected LISTEN), not a sleep.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
