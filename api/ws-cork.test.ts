import type { RecognizedString, WebSocket } from 'uWebSockets.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CORK_QUEUE_BYTES, CorkedSends } from './ws-cork.ts';

/** What a uWS socket did: writes (one per corked block or uncorked send) and the end. */
class FakeSocket {
  writes: string[][] = [];
  ended: [number | undefined, RecognizedString | undefined] | null = null;
  /** Bytes uWS holds unsent (its backpressure). */
  buffered = 0;
  /** Bytes the kernel will not take of the next write (they stay in uWS's buffer). */
  refuse = 0;
  private corked: string[] | null = null;

  send(message: RecognizedString): number {
    const text = String(message);
    // Inside a cork uWS reports success; the write happens when the block ends.
    if (this.corked) {
      this.corked.push(text);
      return 1;
    }
    this.write([text]);
    return this.buffered === 0 ? 1 : 0;
  }
  cork(cb: () => void): this {
    this.corked = [];
    cb();
    const frames = this.corked;
    this.corked = null;
    this.write(frames);
    return this;
  }
  private write(frames: string[]): void {
    this.writes.push(frames);
    this.buffered += this.refuse;
    this.refuse = 0;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
  end(code?: number, shortMessage?: RecognizedString): void {
    this.ended = [code, shortMessage];
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function attached(): { fake: FakeSocket; ws: WebSocket<unknown>; corked: CorkedSends } {
  const fake = new FakeSocket();
  const ws = fake as unknown as WebSocket<unknown>;
  const corked = new CorkedSends();
  corked.attach(ws);
  return { fake, ws, corked };
}

describe('corked sends of a WebSocket', () => {
  it('should write the frames of one turn in one corked write, in order', async () => {
    const { fake, ws } = attached();
    assert.equal(ws.send('next'), 1);
    await Promise.resolve();
    assert.equal(ws.send('complete'), 1);
    assert.equal(ws.send('feed item'), 1);
    assert.deepEqual(fake.writes, [], 'nothing written before the turn ends');
    await nextTurn();
    assert.deepEqual(fake.writes, [['next', 'complete', 'feed item']]);
    ws.send('later');
    await nextTurn();
    assert.deepEqual(fake.writes.at(-1), ['later']);
  });

  it('should write at once and report backpressure while uWS holds unsent bytes', async () => {
    const { fake, ws } = attached();
    ws.send('a');
    fake.buffered = 100;
    assert.equal(ws.send('b'), 0, 'graphql-ws must wait for drain');
    assert.deepEqual(fake.writes, [['a', 'b']]);
    await nextTurn();
    assert.equal(fake.writes.length, 1, 'nothing left for the end of the turn');
  });

  it('should report backpressure when the turn-end write left bytes unsent', async () => {
    const { fake, ws } = attached();
    fake.refuse = 500; // the kernel takes only part of the turn's write
    ws.send('a');
    ws.send('b');
    await nextTurn();
    assert.deepEqual(fake.writes, [['a', 'b']]);
    assert.equal(ws.send('c'), 0, 'graphql-ws must wait for drain');
    assert.deepEqual(fake.writes, [['a', 'b'], ['c']]);
  });

  it('should write a full queue at once instead of gathering a whole replay', () => {
    const { fake, ws } = attached();
    const frame = 'x'.repeat(1000);
    let sends = 0;
    while (fake.writes.length === 0) {
      ws.send(frame);
      sends++;
    }
    assert.equal(sends, Math.floor(CORK_QUEUE_BYTES / 1000) + 1);
    assert.equal(fake.writes[0]!.length, sends);
  });

  it('should write what is queued before a graceful end', () => {
    const { fake, ws } = attached();
    ws.send('answer');
    ws.end(1001, 'server shutting down');
    assert.deepEqual(fake.writes, [['answer']]);
    assert.deepEqual(fake.ended, [1001, 'server shutting down']);
  });

  it('should drop the queue of a socket that closed', async () => {
    const { fake, ws, corked } = attached();
    ws.send('lost');
    corked.forget(ws);
    await nextTurn();
    assert.deepEqual(fake.writes, []);
  });
});
