import type { FeedItem } from '../../events/feed/item.ts';
import { builder, requireViewer } from '../builder.ts';
import { CallRef } from './calls.ts';
import { IdentityRef } from './identity.ts';
import { MessageRef } from './messages.ts';

type FeedItemShape = FeedItem;
type Of<K extends FeedItemShape['kind']> = Extract<FeedItemShape, { kind: K }>;

const FeedItemRef = builder.interfaceRef<FeedItemShape>('FeedItem').implement({
  description: 'Something that happened to the signed-in identity, at a log position to resume after.',
  fields: (t) => ({
    position: t.field({ type: 'Position', resolve: (i) => i.position }),
    at: t.field({ type: 'Timestamp', resolve: (i) => i.at }),
  }),
  resolveType: (item) => item.kind,
});

builder.objectRef<Of<'IdentityUpdated'>>('IdentityUpdated').implement({
  interfaces: [FeedItemRef],
  fields: (t) => ({ identity: t.field({ type: IdentityRef, resolve: (i) => i.identity }) }),
});

builder.objectRef<Of<'SessionEnded'>>('SessionEnded').implement({
  interfaces: [FeedItemRef],
  fields: (t) => ({ sessionId: t.exposeString('sessionId') }),
});

for (const [name, description] of [
  ['MessageAdded', 'A message you sent (from any device) or received.'],
  ['MessageChanged', 'A message was edited or deleted for everyone.'],
] as const) {
  builder.objectRef<Of<'MessageAdded' | 'MessageChanged'>>(name).implement({
    description,
    interfaces: [FeedItemRef],
    fields: (t) => ({ message: t.field({ type: MessageRef, resolve: (i) => i.message }) }),
  });
}

builder.objectRef<Of<'ReceiptsChanged'>>('ReceiptsChanged').implement({
  description: "`by` has received (delivered) or read `peer`'s messages up to these positions.",
  interfaces: [FeedItemRef],
  fields: (t) => ({
    by: t.exposeString('by'),
    peer: t.exposeString('peer'),
    deliveredUpTo: t.field({ type: 'Position', resolve: (i) => i.deliveredUpTo }),
    readUpTo: t.field({ type: 'Position', resolve: (i) => i.readUpTo }),
  }),
});

builder.objectRef<Of<'AddressBookChanged'>>('AddressBookChanged').implement({
  description: 'Your contacts, blocks or settings changed (on any device): `change` is what happened.',
  interfaces: [FeedItemRef],
  fields: (t) => ({
    change: t.exposeString('change'),
    address: t.exposeString('address', { nullable: true }),
  }),
});

builder.objectRef<Of<'CallUpdated'>>('CallUpdated').implement({
  description:
    'A call of yours was placed, rang, was answered or ended: `change` is the event, `call` its state now.',
  interfaces: [FeedItemRef],
  fields: (t) => ({
    change: t.exposeString('change'),
    call: t.field({ type: CallRef, resolve: (i) => i.call }),
  }),
});

builder.objectRef<Of<'CallSignal'>>('CallSignal').implement({
  description:
    'WebRTC signaling from the other participant: `signal` is offer, answer, candidate or restart.',
  interfaces: [FeedItemRef],
  fields: (t) => ({
    callId: t.exposeString('callId'),
    from: t.exposeString('from'),
    signal: t.exposeString('signal'),
    payload: t.exposeString('payload'),
  }),
});

builder.subscriptionField('feed', (t) =>
  t.field({
    type: FeedItemRef,
    description:
      'Everything that happens to the signed-in identity after `after` (a position from an earlier item), then live. Resume with the last position seen: nothing is lost or repeated.',
    args: { after: t.arg({ type: 'Position', required: false }) },
    subscribe: async (_root, { after }, ctx) => {
      const viewer = requireViewer(ctx);
      if (after != null) await ctx.services.feed.checkCursor(after);
      const feed = ctx.services.feed.open(viewer.address, after ?? ctx.services.feed.position);
      // A hand-made iterator, not an async generator: a generator's `return()` waits until
      // its pending `await` settles, so a closed socket's feed stayed open (and its identity
      // counted as online for push) until its next event. Here `return()` closes at once.
      const items: AsyncIterableIterator<FeedItem> = {
        async next() {
          for (;;) {
            const r = await feed.next();
            if (r.done) return { value: undefined, done: true };
            const item = ctx.services.feed.itemOf(r.value);
            if (item) return { value: item, done: false };
          }
        },
        async return() {
          feed.close();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      return items;
    },
    resolve: (item) => item,
  }),
);
