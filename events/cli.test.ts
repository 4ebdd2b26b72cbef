import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../test/support/postgres.ts';
import { main, parseCliArgs } from './cli.ts';
import { canonicalJson } from './store/hash.ts';
import { PostgresEventLog } from './store/postgres/index.ts';

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(args, out);
  out.end();
  return { code, lines: Buffer.concat(chunks).toString().split('\n').filter(Boolean) };
}

describe('events CLI on PostgreSQL', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  const saved = process.env.DATABASE_URL;
  before(async () => {
    if (skip) return;
    db = await createTestDatabase();
    const log = await PostgresEventLog.open({ connectionString: db.url });
    await log.append('alpha', [
      { type: 'Opened', data: { n: 1 } },
      { type: 'Noted', data: { n: 2 } },
    ]);
    await log.append('beta', [{ type: 'Opened', data: { n: 3 } }]);
    await log.close();
    process.env.DATABASE_URL = db.url;
  });
  after(async () => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    if (!skip) await db.drop();
  });

  it('should export the log as NDJSON, whole, by stream and by position range', { skip }, async () => {
    const all = await run(['export']);
    assert.equal(all.code, 0);
    assert.deepEqual(
      all.lines.map((l) => JSON.parse(l).type),
      ['Opened', 'Noted', 'Opened'],
    );
    const beta = await run(['export', '--stream', 'beta']);
    assert.deepEqual(
      beta.lines.map((l) => JSON.parse(l).streamId),
      ['beta'],
    );
    const range = await run(['export', '--from', '1', '--to', '2']);
    assert.deepEqual(
      range.lines.map((l) => JSON.parse(l).position),
      [2],
    );
  });

  it('should replay every projection and report count, speed and digests', { skip }, async () => {
    const { code, lines } = await run(['replay']);
    assert.equal(code, 0);
    const report = JSON.parse(lines[0]!);
    assert.equal(report.events, 3);
    assert.ok(report.eventsPerSecond > 0);
    // A digest is the SHA-256 of the projection's canonical state, never the state itself.
    assert.equal(
      report.projections.logStats.digest,
      createHash('sha256')
        .update(canonicalJson({ byType: { Noted: 1, Opened: 2 }, events: 3, streams: 2 }))
        .digest('hex'),
    );
  });

  it('should pass verify, then fail it with the first bad position after tampering', { skip }, async () => {
    const ok = await run(['verify']);
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.lines[0]!).ok, true);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('ALTER TABLE cv_events DISABLE TRIGGER cv_events_no_change');
    await c.query(`UPDATE cv_events SET data = '{"n": 99}' WHERE position = 2`);
    await c.end();
    const bad = await run(['verify']);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.lines[0]!).position, 2);
  });
});

describe('events CLI on an export file', () => {
  it('should verify an exported file and find an edited line', async () => {
    const { InMemoryEventLog } = await import('./store/memory.ts');
    const log = new InMemoryEventLog();
    await log.append('s', [
      { type: 'A', data: { v: 1 } },
      { type: 'B', data: { v: 2 } },
      { type: 'C', data: {} },
    ]);
    const rows = await log.readAll(0, 10);
    const dir = mkdtempSync(join(tmpdir(), 'cv-cli-'));
    const good = join(dir, 'good.ndjson');
    writeFileSync(good, rows.map((r) => JSON.stringify(r)).join('\n'));
    assert.equal((await run(['verify', '--input', good])).code, 0);
    const partial = join(dir, 'partial.ndjson');
    writeFileSync(
      partial,
      rows
        .slice(1)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const p = await run(['verify', '--input', partial]);
    assert.equal(p.code, 0);
    assert.equal(JSON.parse(p.lines[0]!).checkedFrom, 2);
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, rows.map((r, i) => JSON.stringify(i === 1 ? { ...r, data: { v: 3 } } : r)).join('\n'));
    const b = await run(['verify', '--input', bad]);
    assert.equal(b.code, 1);
    assert.equal(JSON.parse(b.lines[0]!).position, 2);
    const replay = await run(['replay', '--input', good]);
    assert.equal(JSON.parse(replay.lines[0]!).events, 3);
  });

  it('should refuse an unknown command or a missing log with usage and exit 2', async () => {
    assert.equal((await run(['frobnicate'])).code, 2);
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      assert.equal((await run(['verify'])).code, 2);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});

describe('events CLI arguments', () => {
  it('should take a value beginning with "-" (a base64url key does one time in 64) as the option\'s value', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.stringMatching(/^-[A-Za-z0-9_-]{0,50}$/), (key) => {
        const { values, positionals } = parseCliArgs([
          'verify',
          '--checkpoint',
          'c.json',
          '--public-key',
          key,
        ]);
        assert.equal(values['public-key'], key);
        assert.equal(values.checkpoint, 'c.json');
        assert.deepEqual(positionals, ['verify']);
      }),
    );
    // An option where a value was due stays an option (and the missing value an error).
    assert.throws(
      () => parseCliArgs(['verify', '--checkpoint', '--public-key', 'k']),
      /argument missing|ambiguous/,
    );
    assert.equal(parseCliArgs(['replay', '--dump', '--from', '3']).values.from, '3');
  });
});

describe('events CLI arguments, unknown names', () => {
  it('should refuse an unknown option, even one named like an object property', () => {
    for (const name of ['--constructor', '--toString', '--__proto__', '--nope'])
      assert.throws(() => parseCliArgs(['verify', name, '-x']), /Unknown option/);
  });
});
