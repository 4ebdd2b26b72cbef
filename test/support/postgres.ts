import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where tests find PostgreSQL: TEST_DATABASE_URL, else the local server these machines run.
 * Each test file gets a database of its own, dropped at the end.
 */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let availability: Promise<string | null> | null = null;

/** Null when PostgreSQL answers; otherwise why not (a loaded machine may take seconds to accept). */
export function postgresUnavailable(): Promise<string | null> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 15_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return null;
    } catch (error) {
      return `PostgreSQL at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} is not reachable: ${(error as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return availability;
}

/**
 * For `describe(..., { skip })`: in CI a missing PostgreSQL is a failure, never a skip.
 * Outside CI the PostgreSQL suites are skipped with the reason.
 */
export async function skipWithoutPostgres(): Promise<string | false> {
  const reason = await postgresUnavailable();
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI=true and ${reason}`);
  return reason;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cv_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
