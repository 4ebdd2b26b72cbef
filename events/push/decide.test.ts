import { describe, it } from 'node:test';
import { toBase64url } from '../../protocol/base64url.ts';
import { deciderSpec } from '../shared/decider-spec.ts';
import { type PushCommand, pushDecider } from './decide.ts';
import { PUSH_ENDPOINT_MAX, type PushEvent, type PushSubscriptionData } from './events.ts';

const { given } = deciderSpec(pushDecider);
const p256dh = toBase64url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : i)));
const auth = toBase64url(new Uint8Array(16).fill(7));
const sub = (over: Partial<PushSubscriptionData> = {}): PushSubscriptionData => ({
  sessionId: 's1',
  endpoint: 'https://push.example/abc',
  p256dh,
  auth,
  includeBody: false,
  ...over,
});
const subscribe = (s: PushSubscriptionData, allowLoopbackHttp = false): PushCommand => ({
  type: 'Subscribe',
  subscription: s,
  sessionLive: true,
  allowLoopbackHttp,
});
const subscribed = (s: PushSubscriptionData): PushEvent => ({ type: 'PushSubscribed', data: s });

describe('push decider', () => {
  it('should register a device once, and again only when something changed', () => {
    given([])
      .when(subscribe(sub()))
      .thenEvents([subscribed(sub())]);
    given([subscribed(sub())])
      .when(subscribe(sub()))
      .thenEvents([]);
    given([subscribed(sub())])
      .when(subscribe(sub({ includeBody: true })))
      .thenEvents([subscribed(sub({ includeBody: true }))]);
  });

  it('should move an endpoint to the session that registers it last', () => {
    given([subscribed(sub())])
      .when(subscribe(sub({ sessionId: 's2' })))
      .thenEvents([
        {
          type: 'PushUnsubscribed',
          data: { sessionId: 's1', endpoint: 'https://push.example/abc', reason: 'replaced' },
        },
        subscribed(sub({ sessionId: 's2' })),
      ]);
  });

  it('should refuse endpoints that are not https, too long, or carry credentials', () => {
    for (const endpoint of [
      'http://push.example/abc',
      'http://127.0.0.1:9/x',
      'ftp://push.example/abc',
      'not a url',
      'https://user:pw@push.example/abc',
      `https://push.example/${'a'.repeat(PUSH_ENDPOINT_MAX)}`,
      '',
    ]) {
      given([])
        .when(subscribe(sub({ endpoint })))
        .thenThrows('BAD_INPUT');
    }
  });

  it('should accept plain http on loopback only when allowed (tests, development)', () => {
    given([])
      .when(subscribe(sub({ endpoint: 'http://127.0.0.1:9/x' }), true))
      .thenTypes(['PushSubscribed']);
    given([])
      .when(subscribe(sub({ endpoint: 'http://push.example/x' }), true))
      .thenThrows('BAD_INPUT');
  });

  it('should refuse keys of the wrong length or form', () => {
    const compressed = toBase64url(Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : i)));
    given([])
      .when(subscribe(sub({ p256dh: compressed })))
      .thenThrows('BAD_INPUT');
    given([])
      .when(subscribe(sub({ p256dh: toBase64url(new Uint8Array(65).fill(5)) })))
      .thenThrows('BAD_INPUT');
    given([])
      .when(subscribe(sub({ auth: toBase64url(new Uint8Array(15)) })))
      .thenThrows('BAD_INPUT');
    given([])
      .when(subscribe(sub({ auth: '***' })))
      .thenThrows('BAD_INPUT');
  });

  it('should refuse a session that is not live', () => {
    given([])
      .when({ type: 'Subscribe', subscription: sub(), allowLoopbackHttp: false, sessionLive: false })
      .thenThrows('UNAUTHENTICATED');
  });

  it('should remove by session or by endpoint, and nothing when there is nothing', () => {
    const removed = (reason: 'user' | 'gone'): PushEvent => ({
      type: 'PushUnsubscribed',
      data: { sessionId: 's1', endpoint: 'https://push.example/abc', reason },
    });
    given([subscribed(sub())])
      .when({ type: 'Unsubscribe', by: { sessionId: 's1' }, reason: 'user' })
      .thenEvents([removed('user')]);
    given([subscribed(sub())])
      .when({ type: 'Unsubscribe', by: { endpoint: 'https://push.example/abc' }, reason: 'gone' })
      .thenEvents([removed('gone')]);
    given([subscribed(sub()), removed('gone')])
      .when({ type: 'Unsubscribe', by: { endpoint: 'https://push.example/abc' }, reason: 'gone' })
      .thenEvents([]);
  });
});
