import type pg from 'pg';
import type { EventFilter } from '../../audit/filter.ts';
import type { RecordedEvent } from '../types.ts';
import { EVENT_COLUMNS, type EventRow, toRecorded } from './rows.ts';

/**
 * Up to `limit` events after `after` that match `filter`, in position order. The position
 * range uses the primary key; the other conditions filter that ordered scan (no extra index:
 * audit reads are rare and appends should not pay for them).
 */
export async function listEvents(
  pool: pg.Pool,
  filter: EventFilter,
  after: number,
  limit: number,
): Promise<RecordedEvent[]> {
  const { rows } = await pool.query<EventRow>({
    name: 'cv_audit_list_events',
    text: `SELECT ${EVENT_COLUMNS} FROM cv_events
      WHERE position > $1 AND position <= $2
        AND ($3::text IS NULL OR stream_id = $3)
        AND ($4::text IS NULL OR type = $4)
        AND ($5::text IS NULL OR metadata->>'actor' = $5)
        AND ($6::text IS NULL OR metadata->>'correlationId' = $6)
      ORDER BY position LIMIT $7`,
    values: [
      after,
      filter.to ?? Number.MAX_SAFE_INTEGER,
      filter.streamId ?? null,
      filter.type ?? null,
      filter.actor ?? null,
      filter.correlationId ?? null,
      limit,
    ],
  });
  return rows.map(toRecorded);
}
