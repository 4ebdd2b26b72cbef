import type { EventMetadata, JsonObject, RecordedEvent } from '../types.ts';

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (its default block size): a
 * commit whose events would not fit announces its last position only, and the other nodes
 * read the rows as before.
 */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999;

/** One committed event as the commit's notification carries it (its JSON texts as written). */
export interface CommittedRow {
  position: number;
  streamId: string;
  streamVersion: number;
  id: string;
  type: string;
  /** `JSON.stringify` of the data and metadata, as inserted. */
  data: string;
  metadata: string;
  hash: string;
}

/**
 * The text of a commit's `NOTIFY cv_events`: `<last position>:{"t":<time ms>,"e":[[position,
 * stream, version, id, type, data, metadata, hash], …]}` when it fits, else `<last position>`
 * alone (the format every node has always understood: a node that does not know the long form
 * reads `NaN` as a position and reads the log to its end, so mixed versions stay correct).
 */
export function commitPayload(rows: CommittedRow[], time: Date): string {
  const last = rows[rows.length - 1];
  if (!last) throw new Error('commitPayload: no rows');
  const position = String(last.position);
  // Worst case 1 byte per UTF-16 unit is an underestimate only for non-ASCII text: checked
  // exactly below, this just skips building what cannot fit.
  let size = position.length + 20;
  for (const r of rows) size += r.data.length + r.metadata.length + r.streamId.length + r.type.length + 120;
  if (size > MAX_NOTIFY_PAYLOAD_BYTES) return position;
  const events = rows.map(
    (r) =>
      `[${r.position},${JSON.stringify(r.streamId)},${r.streamVersion},${JSON.stringify(r.id)},${JSON.stringify(r.type)},${r.data},${r.metadata},${JSON.stringify(r.hash)}]`,
  );
  const text = `${position}:{"t":${time.getTime()},"e":[${events.join(',')}]}`;
  return Buffer.byteLength(text) <= MAX_NOTIFY_PAYLOAD_BYTES ? text : position;
}

export interface CommitNotice {
  /** The log's last position after the commit (undefined: unknown, read to the end). */
  position: number | undefined;
  /** The text after `<position>:`, parsed only when needed (`committedEvents`). */
  detail: string | undefined;
}

/** Splits a notification's payload; never throws. */
export function commitNotice(payload: string | undefined): CommitNotice {
  if (payload === undefined) return { position: undefined, detail: undefined };
  const colon = payload.indexOf(':');
  const head = colon < 0 ? payload : payload.slice(0, colon);
  const position = /^[0-9]{1,16}$/.test(head) ? Number(head) : undefined;
  if (position === undefined || !Number.isSafeInteger(position))
    return { position: undefined, detail: undefined };
  return { position, detail: colon < 0 ? undefined : payload.slice(colon + 1) };
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The events a notification's detail carries, in order and ending at `position`, or null when
 * it is not exactly that shape (then the caller reads the log instead): anyone who may NOTIFY
 * on this database can send any text on the channel, and a wrong event in the tail would be
 * delivered as if read from the log.
 */
export function committedEvents(position: number, detail: string): RecordedEvent[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return null;
  }
  if (!isObject(parsed) || !Number.isSafeInteger(parsed.t) || !Array.isArray(parsed.e)) return null;
  const list = parsed.e as unknown[];
  if (list.length === 0) return null;
  const time = new Date(parsed.t as number);
  const events: RecordedEvent[] = [];
  for (const [i, row] of list.entries()) {
    if (!Array.isArray(row) || row.length !== 8) return null;
    const [p, streamId, version, id, type, data, metadata, hash] = row as unknown[];
    if (p !== position - (list.length - 1) + i) return null;
    if (typeof streamId !== 'string' || typeof id !== 'string' || typeof type !== 'string') return null;
    if (!Number.isSafeInteger(version) || (version as number) < 1) return null;
    if (!isObject(data) || !isObject(metadata) || typeof hash !== 'string') return null;
    events.push({
      position: p as number,
      streamId,
      streamVersion: version as number,
      id,
      type,
      data,
      metadata: metadata as EventMetadata,
      time,
      hash,
    });
  }
  return events;
}
