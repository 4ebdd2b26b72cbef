import type pg from 'pg';
import type { RecordedEvent } from '../types.ts';
import { EVENT_COLUMNS, type EventRow, toRecorded } from './rows.ts';

export async function readAll(pool: pg.Pool, fromPosition: number, limit: number): Promise<RecordedEvent[]> {
  const { rows } = await pool.query<EventRow>({
    name: 'cv_read_all',
    text: `SELECT ${EVENT_COLUMNS} FROM cv_events WHERE position > $1 ORDER BY position LIMIT $2`,
    values: [fromPosition, limit],
  });
  return rows.map(toRecorded);
}

export async function readPositions(pool: pg.Pool, positions: number[]): Promise<RecordedEvent[]> {
  if (positions.length === 0) return [];
  const { rows } = await pool.query<EventRow>({
    name: 'cv_read_positions',
    text: `SELECT ${EVENT_COLUMNS} FROM cv_events WHERE position = ANY($1::int8[]) ORDER BY position`,
    values: [positions],
  });
  return rows.map(toRecorded);
}

export async function readStream(
  pool: pg.Pool,
  streamId: string,
  fromVersion: number,
): Promise<RecordedEvent[]> {
  const { rows } = await pool.query<EventRow>({
    name: 'cv_read_stream',
    text: `SELECT ${EVENT_COLUMNS} FROM cv_events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version`,
    values: [streamId, fromVersion],
  });
  return rows.map(toRecorded);
}

export async function readHead(pool: pg.Pool): Promise<{ position: number; hash: string }> {
  const { rows } = await pool.query<{ position: string; hash: string }>(
    'SELECT position, hash FROM cv_log_head WHERE id',
  );
  const row = rows[0];
  if (!row) throw new Error('cv_log_head has no row: the schema is damaged');
  return { position: Number(row.position), hash: row.hash };
}
