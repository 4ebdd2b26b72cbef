import { chainHash, GENESIS_HASH } from './hash.ts';
import type { RecordedEvent, VerifyResult } from './types.ts';

/**
 * Walks the log in pages and recomputes each hash from its predecessor. Positions must run
 * 1, 2, 3, … and the last row must match the recorded head, so that an edited, inserted or
 * deleted row — the last one included — is found.
 */
export async function verifyChain(
  readAll: (from: number, limit: number) => Promise<RecordedEvent[]>,
  head: { position: number; hash: string },
  pageSize = 5000,
  /** Where to start: the genesis by default, or a trusted row (to check a partial export). */
  start: { position: number; hash: string } = { position: 0, hash: GENESIS_HASH },
): Promise<VerifyResult> {
  let previous = start.hash;
  let position = start.position;
  let count = 0;
  for (;;) {
    const page = await readAll(position, pageSize);
    for (const e of page) {
      if (e.position !== position + 1) {
        return { ok: false, count, position: position + 1, reason: `position ${position + 1} is missing` };
      }
      if (chainHash(previous, e) !== e.hash) {
        return {
          ok: false,
          count,
          position: e.position,
          reason: 'hash does not match the event and its predecessor',
        };
      }
      previous = e.hash;
      position = e.position;
      count++;
    }
    if (page.length < pageSize) break;
  }
  if (position !== head.position || previous !== head.hash) {
    return {
      ok: false,
      count,
      position: Math.min(position, head.position) + 1,
      reason: `log ends at position ${position} but its head records ${head.position}`,
    };
  }
  return { ok: true, count, lastPosition: position, lastHash: previous };
}
