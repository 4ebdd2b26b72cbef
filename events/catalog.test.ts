import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallEvent } from './calls/events.ts';
import { audienceOf, type Classified, classify } from './catalog.ts';
import { feedIndex } from './feed/feed-index.ts';
import { unreachable } from './shared/never.ts';
import type { JsonObject, RecordedEvent } from './store/types.ts';

let position = 0;
const recorded = (streamId: string, type: string, data: JsonObject): RecordedEvent => ({
  id: `e${++position}`,
  position,
  streamId,
  streamVersion: 1,
  type,
  data,
  metadata: {},
  time: new Date(position * 1000),
  hash: '',
});

describe('event catalogue', () => {
  it('should classify by the stream prefixes each domain exports', () => {
    const domain = (streamId: string) => classify(recorded(streamId, 'X', {})).domain;
    assert.equal(domain('identity-abc'), 'identity');
    assert.equal(domain('contacts-abc'), 'contacts');
    assert.equal(domain('dm-a~b'), 'messages');
    assert.equal(domain('call-123'), 'calls');
    assert.equal(domain('plan-abc'), 'plans');
    assert.equal(domain('push-abc'), 'push');
    assert.equal(domain('acct-1'), 'other');
    const c = classify(recorded('call-123', 'CallBusy', { caller: 'a', callee: 'b', silent: false }));
    assert.ok(c.domain === 'calls' && c.callId === '123');
  });

  it('should route each event to its audience', () => {
    const audience = (streamId: string, type: string, data: JsonObject) =>
      audienceOf(classify(recorded(streamId, type, data)));
    const sent = { messageId: 'm', from: 'a', to: 'b', body: 'x', withheld: false };
    assert.deepEqual(audience('dm-a~b', 'MessageSent', sent), ['a', 'b']);
    assert.deepEqual(
      audience('dm-a~b', 'MessageSent', { ...sent, withheld: true }),
      ['a'],
      'withheld: sender only',
    );
    assert.deepEqual(audience('dm-a~b', 'MessagesRead', { by: 'b', peer: 'a', upTo: 1 }), ['b', 'a']);
    assert.deepEqual(audience('call-1', 'CallPlaced', { caller: 'a', callee: 'b', silent: true }), ['a']);
    assert.deepEqual(
      audience('call-1', 'CallSignalSent', { caller: 'a', callee: 'b', silent: false, to: 'b' }),
      ['b'],
    );
    assert.deepEqual(
      audience('identity-a', 'SessionStarted', { sessionId: 's' }),
      [],
      'a token hash is nobody’s',
    );
    assert.deepEqual(audience('identity-a', 'SessionEnded', { sessionId: 's' }), ['a']);
    assert.deepEqual(audience('contacts-a', 'DoNotDisturbSet', { on: true }), ['a']);
    assert.deepEqual(audience('plan-a', 'PlanChanged', { plan: 'PRO' }), []);
    assert.deepEqual(audience('push-a', 'PushSubscribed', { sessionId: 's' }), [], 'device plumbing');
    assert.deepEqual(audience('acct-1', 'Deposited', {}), []);
  });

  it('should index each identity’s feed positions as a projection', () => {
    let index = feedIndex.initial();
    const first = recorded('dm-a~b', 'MessageSent', {
      messageId: 'm',
      from: 'a',
      to: 'b',
      body: 'x',
      withheld: false,
    });
    const second = recorded('identity-b', 'SessionStarted', { sessionId: 's' });
    const third = recorded('contacts-b', 'ContactAdded', { address: 'a', nickname: 'A' });
    for (const e of [first, second, third]) index = feedIndex.evolve(index, e);
    assert.deepEqual(feedIndex.snapshot(index), { a: [first.position], b: [first.position, third.position] });
  });

  it('should make a switch that forgets an event type fail to compile', () => {
    // Type-level: checked by `tsc --noEmit` (npm run check). If `unreachable` accepted
    // anything, the expectation below would be unused and tsc would fail.
    const forgetful = (e: CallEvent): string => {
      switch (e.type) {
        case 'CallSignalSent':
          return e.data.to;
        default:
          // @ts-expect-error CallPlaced and the other call events are not handled: `e` is not `never`
          return unreachable(e);
      }
    };
    const domains: Record<Classified['domain'], true> = {
      identity: true,
      contacts: true,
      messages: true,
      calls: true,
      plans: true,
      push: true,
      other: true,
    };
    assert.equal(Object.keys(domains).length, 7);
    assert.throws(
      () => forgetful({ type: 'CallBusy', data: { caller: 'a', callee: 'b', silent: false } }),
      /unhandled/,
    );
  });
});
