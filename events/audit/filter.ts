import type { RecordedEvent } from '../store/types.ts';

/** Which events an audit listing wants: every field set must match. */
export interface EventFilter {
  /** Only events with position <= `to`. */
  to?: number | undefined;
  streamId?: string | undefined;
  type?: string | undefined;
  /** `metadata.actor`: an identity's address, `admin`, `auditor` or `system`. */
  actor?: string | undefined;
  /** `metadata.correlationId`: everything one request caused. */
  correlationId?: string | undefined;
}

export function matchesFilter(e: RecordedEvent, f: EventFilter): boolean {
  return (
    (f.to === undefined || e.position <= f.to) &&
    (f.streamId === undefined || e.streamId === f.streamId) &&
    (f.type === undefined || e.type === f.type) &&
    (f.actor === undefined || e.metadata.actor === f.actor) &&
    (f.correlationId === undefined || e.metadata.correlationId === f.correlationId)
  );
}

/** A page of matching events after a position; `scan` reads the log in order from a position. */
export async function scanEvents(
  readAll: (from: number, limit: number) => Promise<RecordedEvent[]>,
  filter: EventFilter,
  after: number,
  limit: number,
  pageSize = 5000,
): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let from = after; out.length < limit; ) {
    const page = await readAll(from, pageSize);
    for (const e of page) {
      if (filter.to !== undefined && e.position > filter.to) return out;
      if (matchesFilter(e, filter)) {
        out.push(e);
        if (out.length === limit) return out;
      }
    }
    if (page.length < pageSize) break;
    from = page[page.length - 1]!.position;
  }
  return out;
}
