/**
 * How a graphql-ws client that cannot put a token into `connection_init` (GraphiQL sends an
 * empty payload; its headers editor travels with each operation) authenticates instead.
 *
 * It opts in with `connection_init` payload `{ "perOperationAuth": true }` (the GraphiQL page
 * this server renders does) and then sends, per operation, the headers GraphiQL puts into the
 * subscribe payload: `extensions: { headers: { Authorization: "Bearer cvs_…" } }`. An
 * operation without them runs signed out. A payload without a token and without the opt-in is
 * still refused with 4403, as the protocol has always said.
 */
export const PER_OPERATION_AUTH = 'perOperationAuth';

/** The bearer token in a subscribe payload's `extensions.headers`, if any (header names in any case). */
export function bearerFromExtensions(extensions: unknown): string | null {
  if (!extensions || typeof extensions !== 'object') return null;
  const headers = (extensions as { headers?: unknown }).headers;
  if (!headers || typeof headers !== 'object') return null;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization' || typeof value !== 'string') continue;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
    return match?.[1] ?? null;
  }
  return null;
}
