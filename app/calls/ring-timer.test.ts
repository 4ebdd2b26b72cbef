import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callStream } from '../../events/calls/events.ts';
import { givenApplication, identity } from '../../test/support/application.ts';

describe('ring timer', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');
  const callId = '00000000-0000-4000-8000-00000000000a';
  const placed = (ringTimeoutAt: number) => ({
    stream: callStream(callId),
    type: 'CallPlaced',
    data: {
      callId,
      caller: ada.address,
      callee: bob.address,
      silent: false,
      media: 'audio',
      issuedAt: 1_000,
      nonce: 'n',
      signature: 's',
      ringTimeoutAt,
    },
  });

  it('should mark a call missed that fell due while the server was down (clock injected)', async () => {
    const now = new Date(2_000_000);
    const t = await givenApplication([...ada.registered, ...bob.registered, placed(now.getTime() - 1)], {
      now: () => now,
    });
    const missed = await t.next('CallMissed');
    assert.equal(missed.streamId, callStream(callId));
    assert.equal(missed.data.reason, 'timeout');
    await t.app.readModels.waitFor(missed.position);
    assert.equal(t.queries.calls.call(callId)?.status, 'missed');
    assert.deepEqual(t.errors, []);
    await t.close();
  });

  it('should leave a call that is not yet due ringing', async () => {
    const now = new Date(2_000_000);
    const t = await givenApplication([...ada.registered, ...bob.registered, placed(now.getTime() + 60_000)], {
      now: () => now,
    });
    await t.app.readModels.sync();
    assert.equal(t.queries.calls.call(callId)?.status, 'placed');
    assert.deepEqual(await t.appended(), []);
    await t.close();
  });
});
