import type { EventMetadata, JsonObject, RecordedEvent } from '../types.ts';

export const EVENT_COLUMNS =
  'position, stream_id, stream_version, event_id, type, data, metadata, time, hash';

export interface EventRow {
  position: string | number;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  time: Date;
  hash: string;
}

export function toRecorded(r: EventRow): RecordedEvent {
  return {
    position: Number(r.position),
    streamId: r.stream_id,
    streamVersion: r.stream_version,
    id: r.event_id,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    time: r.time,
    hash: r.hash,
  };
}
