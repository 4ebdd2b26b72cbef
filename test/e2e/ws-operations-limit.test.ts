import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_OPERATIONS_PER_SOCKET } from '../../api/ws.ts';
import { gql, register, type TestIdentity } from '../support/client.ts';
import { errorCodes, RawSocket } from '../support/raw-ws.ts';
import { startServer, type TestServer } from '../support/server.ts';

const TYPING = 'subscription { typing { from } }';

describe('operations per WebSocket connection', () => {
  let s: TestServer;
  let ada: TestIdentity;
  let bob: TestIdentity;
  before(async () => {
    s = await startServer('memory');
    ada = await register(s.url, 'Ada');
    bob = await register(s.url, 'Bob');
  });
  after(() => s.close());

  const bobTypes = () =>
    gql(s.url, 'mutation($to: String!) { sendTyping(to: $to) }', { to: ada.address }, bob.token);
  const nextsFor = (socket: RawSocket, id: string) =>
    socket.received.filter((m) => m.id === id && m.type === 'next').length;

  it('should refuse the operation past the limit with RATE_LIMITED for its id, keep the others live, and take a new one once one completes', async () => {
    const socket = await RawSocket.open(s.wsUrl, ada.token);
    try {
      for (let i = 0; i < MAX_OPERATIONS_PER_SOCKET; i++) socket.subscribe(`t${i}`, TYPING);
      socket.subscribe('over', TYPING);
      const refused = await socket.answerTo('over');
      assert.deepEqual(errorCodes(refused), ['RATE_LIMITED']);

      // Every operation within the limit is live: one typing signal reaches each of them.
      await bobTypes();
      const last = `t${MAX_OPERATIONS_PER_SOCKET - 1}`;
      await socket.waitFor((m) => m.id === last && m.type === 'next');
      await socket.waitFor(() =>
        Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, (_, i) => nextsFor(socket, `t${i}`)).every(
          (n) => n === 1,
        ),
      );

      socket.send({ id: 't0', type: 'complete' });
      socket.subscribe('again', TYPING);
      await bobTypes();
      await socket.waitFor((m) => m.id === 'again' && m.type === 'next');
      assert.equal(socket.received.filter((m) => m.id === 'again' && m.type === 'error').length, 0);
      assert.ok(socket.isOpen);
    } finally {
      socket.close();
    }
  });
});
