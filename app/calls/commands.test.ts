import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nonceKey } from '../../events/calls/token.ts';
import { contactsStream } from '../../events/contacts/events.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { givenApplication, identity } from '../../test/support/application.ts';

const refusedWith = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;
const LOW_ID = '00000000-0000-4000-8000-000000000001';
const HIGH_ID = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

describe('call commands', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');
  const registered = [...ada.registered, ...bob.registered];

  it('should resolve glare: of two crossing calls the lower id goes on, the other is cancelled', async () => {
    const t = await givenApplication(registered);
    const now = Date.now();
    const first = await t.commands.calls.place(ada.viewer, ada.callToken(bob.address, now, HIGH_ID), {});
    assert.equal(first.callId, HIGH_ID);
    const winner = await t.commands.calls.place(bob.viewer, bob.callToken(ada.address, now, LOW_ID), {});
    assert.equal(winner.callId, LOW_ID);
    assert.deepEqual(
      (await t.appended()).map((e) => [e.streamId, e.type, e.data.reason ?? null]),
      [
        [`call-${HIGH_ID}`, 'CallPlaced', null],
        [`call-${LOW_ID}`, 'CallPlaced', null],
        [`call-${HIGH_ID}`, 'CallCancelled', 'glare'],
      ],
    );
    assert.equal(t.queries.calls.call(HIGH_ID)?.status, 'cancelled');
    assert.equal(t.queries.calls.call(LOW_ID)?.status, 'placed');
    await t.close();
  });

  it('should apply the callee’s rules: a blocked caller’s call is silent and invisible to the callee', async () => {
    const t = await givenApplication([
      ...registered,
      { stream: contactsStream(bob.address), type: 'ContactBlocked', data: { address: ada.address } },
    ]);
    const call = await t.commands.calls.place(ada.viewer, ada.callToken(bob.address, Date.now()), {});
    assert.equal(call.silent, true);
    assert.throws(() => t.queries.calls.mine(bob.viewer, call.callId), refusedWith('NOT_FOUND'));
    await assert.rejects(
      t.commands.calls.answer(bob.viewer, call.callId, true, {}),
      refusedWith('NOT_FOUND'),
    );
    assert.deepEqual(
      (await t.appended()).map((e) => e.type),
      ['CallPlaced'],
    );
    await t.close();
  });

  it('should record a call to someone in do-not-disturb as missed at once', async () => {
    const t = await givenApplication([
      ...registered,
      { stream: contactsStream(bob.address), type: 'DoNotDisturbSet', data: { on: true } },
    ]);
    await t.commands.calls.place(ada.viewer, ada.callToken(bob.address, Date.now()), {});
    const events = await t.appended();
    assert.deepEqual(
      events.map((e) => [e.type, e.data.reason ?? null]),
      [
        ['CallPlaced', null],
        ['CallMissed', 'do_not_disturb'],
      ],
    );
    await t.close();
  });

  it('should refuse a call to oneself without spending the token', async () => {
    const t = await givenApplication(registered);
    const token = ada.callToken(ada.address, Date.now());
    for (let i = 0; i < 2; i++) {
      await assert.rejects(t.commands.calls.place(ada.viewer, token, {}), refusedWith('BAD_INPUT'));
    }
    // The nonce is still free: the refused token was never used.
    assert.equal(
      await t.app.oneTime.claim(nonceKey(ada.address, token.nonce), new Date(Date.now() + 60_000)),
      true,
    );
    assert.deepEqual(await t.appended(), []);
    await t.close();
  });

  it('should give the nonce back when the placement is refused after the nonce was claimed', async () => {
    const t = await givenApplication(registered);
    const now = Date.now();
    // Two tokens for one call id, placed at once: both pass the read-model check, both claim
    // their own nonce, and the log takes one placement; the other is refused by the decider.
    const tokens = [ada.callToken(bob.address, now, LOW_ID), ada.callToken(bob.address, now, LOW_ID)];
    const results = await Promise.allSettled(
      tokens.map((token) => t.commands.calls.place(ada.viewer, token, {})),
    );
    const refused = results.findIndex((r) => r.status === 'rejected');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(refusedWith('CONFLICT')((results[refused] as PromiseRejectedResult).reason));
    const free = await t.app.oneTime.claim(
      nonceKey(ada.address, tokens[refused]!.nonce),
      new Date(now + 60_000),
    );
    assert.equal(free, true, 'the refused placement did not spend its nonce');
    await t.close();
  });

  it('should refuse a call token whose signed fields were changed, and append nothing', async () => {
    const t = await givenApplication(registered);
    const token = ada.callToken(bob.address, Date.now());
    await t.commands.calls.place(ada.viewer, token, {});
    const head = await t.log.head();
    await assert.rejects(
      t.commands.calls.place(ada.viewer, { ...token, callId: LOW_ID }, {}),
      refusedWith('SIGNATURE_INVALID'),
      'a token is signed over its call id',
    );
    assert.equal(await t.log.head(), head);
    await t.close();
  });
});

describe('call history', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');

  it('should page through calls placed in the same millisecond without skipping or repeating one', async () => {
    const at = new Date();
    const t = await givenApplication([...ada.registered, ...bob.registered], { now: () => at });
    const placed: string[] = [];
    for (let i = 0; i < 7; i++) {
      const call = await t.commands.calls.place(ada.viewer, ada.callToken(bob.address, at.getTime()), {});
      await t.commands.calls.hangup(ada.viewer, call.callId, 'hangup', {});
      placed.push(call.callId);
    }
    const seen: string[] = [];
    let before: number | null = null;
    for (let page = 0; page < 10; page++) {
      const { calls, hasMore } = t.queries.calls.history(ada.viewer, before, 2);
      seen.push(...calls.map((c) => c.callId));
      if (!hasMore) break;
      before = calls[calls.length - 1]!.position;
    }
    assert.deepEqual(seen, placed.reverse());
    await t.close();
  });
});
