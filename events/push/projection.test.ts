import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, RecordedEvent } from '../store/types.ts';
import { pushSubscriptions } from './projection.ts';

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
const sub = (sessionId: string, endpoint: string) => ({
  sessionId,
  endpoint,
  p256dh: 'k',
  auth: 'a',
  includeBody: false,
});

describe('push subscriptions projection', () => {
  it('should keep one subscription per session and drop it when the session ends or it is removed', () => {
    let state = pushSubscriptions.initial();
    for (const e of [
      recorded('push-bob', 'PushSubscribed', sub('s1', 'https://p/1')),
      recorded('push-bob', 'PushSubscribed', sub('s2', 'https://p/2')),
      recorded('push-ada', 'PushSubscribed', sub('s3', 'https://p/3')),
      recorded('identity-bob', 'SessionEnded', { sessionId: 's1', reason: 'signed_out' }),
      recorded('push-ada', 'PushUnsubscribed', { sessionId: 's3', endpoint: 'https://p/3', reason: 'gone' }),
      recorded('identity-ada', 'SessionEnded', { sessionId: 'unrelated', reason: 'revoked' }),
    ])
      state = pushSubscriptions.evolve(state, e);
    assert.deepEqual(pushSubscriptions.snapshot(state), { bob: { s2: sub('s2', 'https://p/2') } });
  });
});
