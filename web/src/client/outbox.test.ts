import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api.ts';
import { MemoryStore } from './kv.ts';
import { Outbox, type OutgoingMessage } from './outbox.ts';

const msg = (id: string): OutgoingMessage => ({ id, to: 'cv1peer', body: `body ${id}`, createdAt: 1 });

describe('Outbox', () => {
  it('should keep messages written offline across a reload and send them in order with their ids', async () => {
    const kv = new MemoryStore();
    const first = new Outbox(kv);
    await first.add(msg('a'));
    await first.add(msg('b'));
    const reloaded = new Outbox(kv);
    await reloaded.load();
    const sent: string[] = [];
    await reloaded.flush(async (m) => {
      sent.push(m.id);
    });
    assert.deepEqual(sent, ['a', 'b']);
    assert.deepEqual(reloaded.items, []);
    assert.deepEqual(await kv.get('outbox'), []);
  });

  it('should stop at a network failure and send the same ids again later, order kept', async () => {
    const outbox = new Outbox(new MemoryStore());
    for (const id of ['a', 'b', 'c']) await outbox.add(msg(id));
    const attempts: string[] = [];
    await outbox.flush(async (m) => {
      attempts.push(m.id);
      if (m.id === 'b') throw new ApiError('socket closed', 'NETWORK');
    });
    assert.deepEqual(
      outbox.items.map((m) => m.id),
      ['b', 'c'],
    );
    await outbox.flush(async (m) => {
      attempts.push(m.id);
    });
    assert.deepEqual(attempts, ['a', 'b', 'b', 'c']);
    assert.equal(outbox.items.length, 0);
  });

  it('should mark a refused message failed and go on with the next', async () => {
    const outbox = new Outbox(new MemoryStore());
    await outbox.add(msg('bad'));
    await outbox.add(msg('good'));
    const sent: string[] = [];
    await outbox.flush(async (m) => {
      if (m.id === 'bad') throw new ApiError('body is empty', 'BAD_INPUT');
      sent.push(m.id);
    });
    assert.deepEqual(sent, ['good']);
    assert.deepEqual(
      outbox.items.map((m) => [m.id, m.failed]),
      [['bad', 'body is empty']],
    );
  });

  it('should send a message added while a flush runs in that same flush', async () => {
    const outbox = new Outbox(new MemoryStore());
    await outbox.add(msg('a'));
    const sent: string[] = [];
    await outbox.flush(async (m) => {
      sent.push(m.id);
      if (m.id === 'a') await outbox.add(msg('b'));
    });
    assert.deepEqual(sent, ['a', 'b']);
  });
});

describe('Outbox flushing an empty queue', () => {
  it('should still send what is added after a flush that had nothing to do', async () => {
    const outbox = new Outbox(new MemoryStore());
    await outbox.flush(async () => {});
    await outbox.add(msg('later'));
    const sent: string[] = [];
    await outbox.flush(async (m) => {
      sent.push(m.id);
    });
    assert.deepEqual(sent, ['later']);
  });
});
