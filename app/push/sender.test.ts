import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import webpush from 'web-push';
import { eventually } from '../../test/support/eventually.ts';
import { FakePushService } from '../../test/support/push-service.ts';
import { type PushJob, PushSender, type PushSenderOptions, retryAfterMs } from './sender.ts';

describe('push sender', () => {
  it('should read Retry-After as seconds or an HTTP date, capped at 10 minutes', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', now), 0, 'a date in the past: now');
    assert.equal(retryAfterMs('99999', now), 600_000);
    assert.equal(retryAfterMs(null, now), null);
    assert.equal(retryAfterMs('soon', now), null);
  });
});

describe('push sender worker threads (against the fake push service)', () => {
  let service: FakePushService;
  const keys = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@callvault.test', ephemeral: false };
  const errors: string[] = [];
  const senders: PushSender[] = [];
  before(async () => {
    service = await FakePushService.start();
  });
  after(async () => {
    for (const s of senders) await s.stop();
    await service.close();
  });

  const sender = (overrides: Partial<PushSenderOptions> = {}) => {
    const s = new PushSender({
      keys,
      timeoutMs: 10_000,
      queueSize: 100,
      concurrency: 16,
      workers: 1,
      attempts: 4,
      retryBaseMs: 1000,
      now: Date.now,
      onGone: () => {},
      onError: (e) => errors.push(String(e)),
      ...overrides,
    });
    senders.push(s);
    return s;
  };
  const job = (device: ReturnType<FakePushService['device']>, text: string): PushJob => ({
    target: { address: 'cv1test', sessionId: 's1', ...device },
    payload: JSON.stringify({ v: 1, text }),
    ttlSeconds: 60,
    urgency: 'normal',
    topic: 'topic1',
    deadline: Date.now() + 60_000,
  });

  it('should start no worker until the first push, then send it from one', async () => {
    const s = sender();
    assert.equal(s.pool.running, 0, 'no thread for a node that never pushes');
    const device = service.device();
    s.enqueue(job(device, 'hello'));
    const r = await service.next((r) => r.device === device.id);
    assert.equal(r.status, 201);
    assert.deepEqual(r.payload, { v: 1, text: 'hello' }, 'decrypted with the device key');
    assert.equal(r.claims.sub, 'mailto:ops@callvault.test');
    assert.ok(await s.idle(5000));
    assert.equal(s.counters.sent, 1);
    assert.equal(s.pool.running, 1);
    assert.deepEqual(service.refusals, []);
  });

  it('should run its worker thread at nice 10, below the thread serving clients', async () => {
    const niceOf = (tid: string) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
    };
    const niced = () => readdirSync('/proc/self/task').filter((tid) => niceOf(tid) === 10).length;
    const before = niced();
    const s = sender();
    const device = service.device();
    s.enqueue(job(device, 'low priority'));
    await service.next((r) => r.device === device.id);
    assert.equal(niced(), before + 1, 'one more thread at nice 10: the new worker');
    assert.equal(niceOf(String(process.pid)), 0, 'the main thread keeps its priority');
  });

  it('should spread requests under way over the workers', async () => {
    const s = sender({ workers: 2 });
    service.setHanging(true);
    try {
      s.enqueue(job(service.device(), 'a'));
      s.enqueue(job(service.device(), 'b'));
      await eventually(() => service.hangingCount === 2, 'both requests at the service');
      assert.equal(s.pool.running, 2, 'the second request went to a second worker');
    } finally {
      await s.stop(); // before the hanging requests fail, so that nothing retries into the next test
      service.setHanging(false);
    }
  });

  it('should retry, in a new worker, a push lost with a worker that crashed', async () => {
    const s = sender();
    const device = service.device();
    service.setHanging(true);
    try {
      s.enqueue(job(device, 'survives a crash'));
      await eventually(() => service.hangingCount === 1, 'the request under way at the service');
      assert.ok(s.pool.crashWorker());
      await eventually(() => s.counters.retried === 1, 'the lost request counted and retried');
      assert.equal(s.pool.restarts, 1);
      assert.ok(
        errors.some((e) => /push worker exited/.test(e)),
        errors.join('\n'),
      );
    } finally {
      service.setHanging(false);
    }
    const r = await service.next((r) => r.device === device.id && r.status === 201);
    assert.deepEqual(r.payload, { v: 1, text: 'survives a crash' });
    assert.ok(await s.idle(5000));
    assert.deepEqual(
      { sent: s.counters.sent, failed: s.counters.failed },
      { sent: 1, failed: 0 },
      'sent once, by the replacement worker',
    );
    assert.equal(service.forDevice(device.id).filter((x) => x.status === 201).length, 1);
    await s.stop();
  });

  it('should give up on a worker that stops answering, count the push as failed and retry it', async () => {
    const s = sender({ timeoutMs: 300, answerGraceMs: 200, retryBaseMs: 50 });
    const device = service.device();
    s.enqueue(job(device, 'first'));
    await service.next((r) => r.device === device.id && r.status === 201);
    await eventually(() => s.counters.sent === 1, 'the first push answered');
    assert.ok(s.pool.deafenWorker());
    s.enqueue(job(device, 'unanswered'));
    await eventually(() => s.counters.retried >= 1, 'the unanswered request given up and retried');
    assert.equal(s.counters.sent, 1, 'nothing counted as sent without an answer');
    await s.stop();
    assert.equal(s.pending, 0);
  });

  it('should terminate its workers on stop, abandoning a request under way', async () => {
    const s = sender();
    service.setHanging(true);
    try {
      s.enqueue(job(service.device(), 'never answered'));
      await eventually(() => service.hangingCount === 1, 'the request under way');
      const started = Date.now();
      await s.stop();
      assert.ok(Date.now() - started < 2000, 'stop does not wait for the hanging service');
      assert.equal(s.pool.running, 0);
      assert.equal(s.counters.failed, 1);
      assert.equal(s.counters.retried, 0);
      assert.equal(s.enqueue(job(service.device(), 'too late')), false);
    } finally {
      service.setHanging(false);
    }
  });
});
