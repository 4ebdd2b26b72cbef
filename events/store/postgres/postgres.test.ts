import pg from 'pg';
import { createTestDatabase, skipWithoutPostgres } from '../../../test/support/postgres.ts';
import { type ContractHarness, deletionContract, eventLogContract } from '../contract.ts';
import { PostgresEventLog } from './index.ts';

async function open(): Promise<ContractHarness> {
  const db = await createTestDatabase();
  const log = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 60_000 });
  const bypass = async (sql: string, values: unknown[]) => {
    // Someone with table access turning the guard off: the chain must still tell.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('ALTER TABLE cv_events DISABLE TRIGGER cv_events_no_change');
      await c.query(sql, values);
      await c.query('ALTER TABLE cv_events ENABLE TRIGGER cv_events_no_change');
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  };
  return {
    log,
    tamper: {
      editData: (position, data) =>
        bypass('UPDATE cv_events SET data = $2 WHERE position = $1', [position, JSON.stringify(data)]),
      deleteRow: (position) => bypass('DELETE FROM cv_events WHERE position = $1', [position]),
    },
    async dispose() {
      await log.close();
      await db.drop();
    },
  };
}

eventLogContract('PostgreSQL', open, skipWithoutPostgres);
deletionContract('PostgreSQL', open, skipWithoutPostgres);
