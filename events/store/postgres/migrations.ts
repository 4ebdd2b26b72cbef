import type pg from 'pg';

/**
 * Schema changes, applied in order on start under an advisory lock (several nodes may start
 * at once). Never edit a released migration: add the next one.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'event log',
    sql: `
      CREATE TABLE cv_events (
        position       bigint      PRIMARY KEY,
        stream_id      text        NOT NULL,
        stream_version integer     NOT NULL,
        event_id       uuid        NOT NULL UNIQUE,
        type           text        NOT NULL,
        data           jsonb       NOT NULL,
        metadata       jsonb       NOT NULL,
        time           timestamptz NOT NULL,
        hash           text        NOT NULL,
        UNIQUE (stream_id, stream_version)
      );
      -- One row: the last position and hash. Writers lock it, so appends commit in position
      -- order and a reader of "position > n" can never skip a late commit.
      CREATE TABLE cv_log_head (
        id       boolean PRIMARY KEY DEFAULT true CHECK (id),
        position bigint  NOT NULL,
        hash     text    NOT NULL
      );
      INSERT INTO cv_log_head (id, position, hash) VALUES (true, 0, repeat('0', 64));
      CREATE FUNCTION cv_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'cv_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER cv_events_no_change BEFORE UPDATE OR DELETE ON cv_events
        FOR EACH ROW EXECUTE FUNCTION cv_events_append_only();
      CREATE TRIGGER cv_events_no_truncate BEFORE TRUNCATE ON cv_events
        FOR EACH STATEMENT EXECUTE FUNCTION cv_events_append_only();
      CREATE TRIGGER cv_log_head_no_delete BEFORE DELETE OR TRUNCATE ON cv_log_head
        FOR EACH STATEMENT EXECUTE FUNCTION cv_events_append_only();
    `,
  },
  {
    version: 2,
    name: 'one-time keys',
    sql: `
      -- Short-lived single-use keys (sign-in challenges, call-token nonces): not domain facts,
      -- so they live beside the log, and expired rows are deleted.
      CREATE TABLE cv_one_time (
        key        text        PRIMARY KEY,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX cv_one_time_expiry ON cv_one_time (expires_at);
    `,
  },
];

export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  // Held for the whole migration: a connection lost meanwhile must fail the migration (the
  // query in flight rejects), not end the process with an unhandled 'error' event.
  const lost = () => {};
  client.on('error', lost);
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('callvault:migrate'))`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS cv_schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM cv_schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO cv_schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', lost);
    client.release(failed ? true : undefined);
  }
}
