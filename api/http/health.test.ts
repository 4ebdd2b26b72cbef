import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreUnavailableError } from '../../events/store/errors.ts';
import { health } from './health.ts';

const inputs = (head: () => Promise<number>, readModelFailure: unknown = null) => ({
  log: { kind: 'postgres' as const, head },
  readModelFailure,
  position: 7,
  connections: 0,
  version: 'test',
});

describe('/api/health', () => {
  it('should be 200 and ok with the store answering and the read models running', async () => {
    const r = await health(inputs(async () => 9));
    assert.equal(r.status, '200 OK');
    assert.equal(r.body.ok, true);
    assert.equal(r.body.lag, 2);
  });

  it('should be 503 and not ok when the store refuses', async () => {
    const r = await health(inputs(() => Promise.reject(new StoreUnavailableError())));
    assert.equal(r.status, '503 Service Unavailable');
    assert.equal(r.body.ok, false);
    assert.equal(r.body.store, 'unavailable');
  });

  it('should be 503 within the probe timeout when the store hangs', async () => {
    const started = Date.now();
    const r = await health(
      inputs(() => new Promise<number>(() => {})),
      50,
    );
    assert.equal(r.status, '503 Service Unavailable');
    assert.ok(Date.now() - started < 2000);
  });

  it('should be 503 whenever ok is false, e.g. the read models failed', async () => {
    const r = await health(inputs(async () => 7, new Error('projection threw')));
    assert.equal(r.status, '503 Service Unavailable');
    assert.equal(r.body.ok, false);
    assert.equal(r.body.store, 'ok');
  });
});
