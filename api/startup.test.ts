import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { startWithRetry } from './startup.ts';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

function capture() {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  return { lines, logger };
}

describe('start-up retries', () => {
  it('should retry while the database refuses connections, logging each attempt, then return the app', async () => {
    const { lines, logger } = capture();
    let attempts = 0;
    const app = await startWithRetry(
      async () => {
        if (++attempts < 4) throw refused();
        return 'app';
      },
      { logger, firstDelayMs: 1, maxDelayMs: 4 },
    );
    assert.equal(app, 'app');
    assert.equal(attempts, 4);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /database unavailable at start-up \(connect ECONNREFUSED.*retrying in 1 ms/);
    assert.match(lines[2]!, /retrying in 4 ms/, 'backoff doubles up to the cap');
  });

  it('should give up at once on a failure that waiting cannot fix', async () => {
    const { lines, logger } = capture();
    let attempts = 0;
    const bad = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    await assert.rejects(
      startWithRetry(
        async () => {
          attempts++;
          throw bad;
        },
        { logger, firstDelayMs: 1 },
      ),
      bad,
    );
    assert.equal(attempts, 1);
    assert.equal(lines.length, 0);
  });

  it('should stop waiting when aborted (SIGTERM while the database is down)', async () => {
    const { logger } = capture();
    const abort = new AbortController();
    const starting = startWithRetry(
      async () => {
        abort.abort(new Error('stopped while starting'));
        throw refused();
      },
      { logger, firstDelayMs: 60_000, signal: abort.signal },
    );
    await assert.rejects(starting, /stopped while starting|aborted/);
  });
});
