import type { WebSocket } from 'uWebSockets.js';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { corkPerTurn } from './ws-cork.ts';

/** A stand-in for a uWS socket that records its writes and corks (unit test: no server). */
function fakeSocket() {
  const writes: { frames: string[] }[] = [];
  let corked: string[] | null = null;
  const ws = {
    send(message: string) {
      if (corked) corked.push(message);
      else writes.push({ frames: [message] });
      return 1;
    },
    cork(cb: () => void) {
      corked = [];
      cb();
      writes.push({ frames: corked });
      corked = null;
      return ws;
    },
  };
  return { ws: ws as unknown as WebSocket<unknown>, writes };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

it('should write the frames of one turn in one corked write, in order', async () => {
  const { ws, writes } = fakeSocket();
  corkPerTurn(ws, () => true);
  assert.equal(ws.send('next'), 1);
  await Promise.resolve(); // microtasks of the same turn (graphql-ws awaits between frames)
  ws.send('complete');
  ws.send('feed');
  assert.deepEqual(writes, [], 'nothing is written before the turn ends');
  await turn();
  assert.deepEqual(writes, [{ frames: ['next', 'complete', 'feed'] }]);
  ws.send('later');
  await turn();
  assert.deepEqual(writes[1], { frames: ['later'] }, 'a later turn is a write of its own');
});

it('should drop the frames of a socket that closed before the turn ended', async () => {
  const { ws, writes } = fakeSocket();
  let open = true;
  corkPerTurn(ws, () => open);
  ws.send('next');
  open = false;
  await turn();
  assert.deepEqual(writes, []);
});
