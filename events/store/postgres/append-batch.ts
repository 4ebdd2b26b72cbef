import type pg from 'pg';
import { type ExistingEvent, planAppend } from '../append-plan.ts';
import { chainHash } from '../hash.ts';
import type { AppendResult, RecordedEvent } from '../types.ts';
import type { ValidAppend } from '../validation.ts';

export interface PendingAppend {
  append: ValidAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export interface BatchHooks {
  /** Test seam: runs with the head locked and the rows inserted, just before COMMIT. */
  beforeCommit?: (positions: { first: number; last: number }) => Promise<void>;
}

/** How one append of a committed batch ends: its result, or its refusal. */
export type Settlement =
  | { pending: PendingAppend; result: AppendResult }
  | { pending: PendingAppend; error: unknown };

/** The batch's transaction failed: nothing of it was written (unless `duringCommit`, see there). */
export class BatchFailure extends Error {
  constructor(
    override readonly cause: unknown,
    /**
     * The failure came from the COMMIT itself. If it is a lost connection the outcome is
     * unknown: PostgreSQL may have committed before the answer was lost.
     */
    readonly duringCommit: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Group commit: every append waiting in the queue goes into one transaction, so one fsync
 * serves them all. Each append is checked on its own (its expected version, its ids) with the
 * head row locked, so a refused one does not stop the others. Settlements are returned only
 * once COMMIT succeeded: a refusal may depend on an earlier append of the same batch, so if
 * the transaction fails (BatchFailure) every append of it is still open and may be retried.
 */
export async function appendBatch(
  client: pg.PoolClient,
  batch: PendingAppend[],
  now: Date,
  hooks: BatchHooks = {},
): Promise<{ settled: Settlement[]; recorded: RecordedEvent[] }> {
  const settled: Settlement[] = [];
  const recorded: RecordedEvent[] = [];
  let committing = false;
  try {
    // BEGIN and the head's lock go in one message (the simple protocol runs both; the
    // transaction stays open after it): one round trip fewer per group commit (issue 16).
    const [, head] = (await client.query(
      'BEGIN; SELECT position, hash FROM cv_log_head WHERE id FOR UPDATE',
    )) as unknown as [pg.QueryResult, pg.QueryResult<{ position: string; hash: string }>];
    let position = Number(head.rows[0]!.position);
    let hash = head.rows[0]!.hash;

    const ids = batch.flatMap((p) => p.append.events.map((e) => e.id));
    const streamIds = [...new Set(batch.map((p) => p.append.streamId))];
    const known = await client.query<{
      id: string | null;
      stream_id: string;
      stream_version: number;
      position: string | null;
    }>({
      // Not a named (prepared) statement: PostgreSQL would cache a generic plan made while the
      // table was small — a sequential scan for `= ANY($1)` — and keep it as the log grows.
      text: `SELECT event_id::text AS id, stream_id, stream_version, position FROM cv_events WHERE event_id = ANY($1::uuid[])
             UNION ALL
             SELECT NULL, s.stream_id,
                    COALESCE((SELECT max(e.stream_version) FROM cv_events e WHERE e.stream_id = s.stream_id), 0), NULL
             FROM unnest($2::text[]) AS s(stream_id)`,
      values: [ids, streamIds],
    });
    const existing = new Map<string, ExistingEvent>();
    const versions = new Map<string, number>();
    for (const r of known.rows) {
      if (r.id === null) versions.set(r.stream_id, r.stream_version);
      else
        existing.set(r.id, {
          id: r.id,
          streamId: r.stream_id,
          streamVersion: r.stream_version,
          position: Number(r.position),
        });
    }

    const cols = {
      position: [] as number[],
      streamId: [] as string[],
      version: [] as number[],
      id: [] as string[],
      type: [] as string[],
      data: [] as string[],
      metadata: [] as string[],
      hash: [] as string[],
    };
    for (const pending of batch) {
      const { append } = pending;
      let plan: ReturnType<typeof planAppend>;
      try {
        plan = planAppend(append, versions.get(append.streamId) ?? 0, (id) => existing.get(id));
      } catch (error) {
        settled.push({ pending, error });
        continue;
      }
      if (plan.kind === 'done') {
        settled.push({ pending, result: plan.result });
        continue;
      }
      const first = position + 1;
      let version = plan.fromVersion;
      for (const e of append.events) {
        position++;
        version++;
        hash = chainHash(hash, {
          position,
          streamId: append.streamId,
          streamVersion: version,
          id: e.id,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
          time: now,
        });
        cols.position.push(position);
        cols.streamId.push(append.streamId);
        cols.version.push(version);
        cols.id.push(e.id);
        cols.type.push(e.type);
        const data = JSON.stringify(e.data);
        const metadata = JSON.stringify(e.metadata);
        cols.data.push(data);
        cols.metadata.push(metadata);
        cols.hash.push(hash);
        // The row as a reader gets it back (copies of the JSON, the same Date): the committing
        // node's tail takes it without reading its own commit back (events/store/tail.ts).
        recorded.push({
          position,
          streamId: append.streamId,
          streamVersion: version,
          id: e.id,
          type: e.type,
          data: JSON.parse(data),
          metadata: JSON.parse(metadata),
          time: now,
          hash,
        });
        existing.set(e.id, { id: e.id, streamId: append.streamId, streamVersion: version, position });
      }
      versions.set(append.streamId, version);
      settled.push({
        pending,
        result: { streamVersion: version, firstPosition: first, lastPosition: position, appended: true },
      });
    }

    if (cols.position.length > 0) {
      await client.query({
        name: 'cv_insert_events',
        text: `WITH inserted AS (
                 INSERT INTO cv_events (position, stream_id, stream_version, event_id, type, data, metadata, time, hash)
                 SELECT p, s, v, i, t, d, m, $9, h
                 FROM unnest($1::int8[], $2::text[], $3::int4[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[])
                   AS x(p, s, v, i, t, d, m, h)
               )
               UPDATE cv_log_head SET position = $10::int8, hash = $11 WHERE id
               RETURNING pg_notify('cv_events', ($10::int8)::text)`,
        values: [
          cols.position,
          cols.streamId,
          cols.version,
          cols.id,
          cols.type,
          cols.data,
          cols.metadata,
          cols.hash,
          now,
          position,
          hash,
        ],
      });
      await hooks.beforeCommit?.({ first: cols.position[0]!, last: position });
    }
    committing = true;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new BatchFailure(error, committing);
  }
  return { settled, recorded };
}
