import type { CallEvent } from '../../events/calls/events.ts';
import type { CallView } from '../../events/calls/projection.ts';
import type { IdentityView } from '../../events/identity/projections.ts';
import type { MessageEvent } from '../../events/messages/events.ts';
import type { MessageView } from '../../events/messages/projection.ts';
import type { RecordedEvent } from '../../events/store/types.ts';
import { builder, requireViewer } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { CallRef } from './calls.ts';
import { IdentityRef } from './identity.ts';
import { MessageRef } from './messages.ts';

type Base = { position: number; at: number };
type FeedItemShape =
  | (Base & { kind: 'IdentityUpdated'; identity: IdentityView })
  | (Base & { kind: 'SessionEnded'; sessionId: string })
  | (Base & { kind: 'MessageAdded' | 'MessageChanged'; message: MessageView })
  | (Base & { kind: 'ReceiptsChanged'; by: string; peer: string; deliveredUpTo: number; readUpTo: number })
  | (Base & { kind: 'AddressBookChanged'; change: string; address: string | null })
  | (Base & { kind: 'CallUpdated'; change: string; call: CallView })
  | (Base & { kind: 'CallSignal'; callId: string; from: string; signal: string; payload: string });

type Of<K extends FeedItemShape['kind']> = Extract<FeedItemShape, { kind: K }>;

const FeedItem = builder.interfaceRef<FeedItemShape>('FeedItem').implement({
  description: 'Something that happened to the signed-in identity, at a log position to resume after.',
  fields: (t) => ({
    position: t.field({ type: 'Position', resolve: (i) => i.position }),
    at: t.field({ type: 'Timestamp', resolve: (i) => i.at }),
  }),
  resolveType: (item) => item.kind,
});

builder.objectRef<Of<'IdentityUpdated'>>('IdentityUpdated').implement({
  interfaces: [FeedItem],
  fields: (t) => ({ identity: t.field({ type: IdentityRef, resolve: (i) => i.identity }) }),
});

builder.objectRef<Of<'SessionEnded'>>('SessionEnded').implement({
  interfaces: [FeedItem],
  fields: (t) => ({ sessionId: t.exposeString('sessionId') }),
});

for (const [name, description] of [
  ['MessageAdded', 'A message you sent (from any device) or received.'],
  ['MessageChanged', 'A message was edited or deleted for everyone.'],
] as const) {
  builder.objectRef<Of<'MessageAdded' | 'MessageChanged'>>(name).implement({
    description,
    interfaces: [FeedItem],
    fields: (t) => ({ message: t.field({ type: MessageRef, resolve: (i) => i.message }) }),
  });
}

builder.objectRef<Of<'ReceiptsChanged'>>('ReceiptsChanged').implement({
  description: "`by` has received (delivered) or read `peer`'s messages up to these positions.",
  interfaces: [FeedItem],
  fields: (t) => ({
    by: t.exposeString('by'),
    peer: t.exposeString('peer'),
    deliveredUpTo: t.field({ type: 'Position', resolve: (i) => i.deliveredUpTo }),
    readUpTo: t.field({ type: 'Position', resolve: (i) => i.readUpTo }),
  }),
});

builder.objectRef<Of<'AddressBookChanged'>>('AddressBookChanged').implement({
  description: 'Your contacts, blocks or settings changed (on any device): `change` is what happened.',
  interfaces: [FeedItem],
  fields: (t) => ({
    change: t.exposeString('change'),
    address: t.exposeString('address', { nullable: true }),
  }),
});

builder.objectRef<Of<'CallUpdated'>>('CallUpdated').implement({
  description:
    'A call of yours was placed, rang, was answered or ended: `change` is the event, `call` its state now.',
  interfaces: [FeedItem],
  fields: (t) => ({
    change: t.exposeString('change'),
    call: t.field({ type: CallRef, resolve: (i) => i.call }),
  }),
});

builder.objectRef<Of<'CallSignal'>>('CallSignal').implement({
  description:
    'WebRTC signaling from the other participant: `signal` is offer, answer, candidate or restart.',
  interfaces: [FeedItem],
  fields: (t) => ({
    callId: t.exposeString('callId'),
    from: t.exposeString('from'),
    signal: t.exposeString('signal'),
    payload: t.exposeString('payload'),
  }),
});

function toItem(e: RecordedEvent, ctx: GraphQLContext): FeedItemShape | null {
  const base = { position: e.position, at: e.time.getTime() };
  if (e.streamId.startsWith('identity-')) {
    if (e.type === 'SessionEnded')
      return { kind: 'SessionEnded', ...base, sessionId: String(e.data.sessionId) };
    const identity = ctx.services.queries.identity.known(e.streamId.slice('identity-'.length));
    return identity ? { kind: 'IdentityUpdated', ...base, identity } : null;
  }
  if (e.streamId.startsWith('call-')) {
    const c = e as unknown as CallEvent;
    const callId = e.streamId.slice('call-'.length);
    if (c.type === 'CallSignalSent') {
      return {
        kind: 'CallSignal',
        ...base,
        callId,
        from: c.data.from,
        signal: c.data.kind,
        payload: c.data.payload,
      };
    }
    const call = ctx.services.queries.calls.call(callId);
    return call ? { kind: 'CallUpdated', ...base, change: c.type, call } : null;
  }
  if (e.streamId.startsWith('contacts-')) {
    const address = typeof e.data.address === 'string' ? e.data.address : null;
    return { kind: 'AddressBookChanged', ...base, change: e.type, address };
  }
  const m = e as unknown as MessageEvent;
  switch (m.type) {
    case 'MessageSent':
    case 'MessageEdited':
    case 'MessageDeleted': {
      const message = ctx.services.queries.messages.byId(m.data.messageId);
      if (!message) return null;
      return { kind: m.type === 'MessageSent' ? 'MessageAdded' : 'MessageChanged', ...base, message };
    }
    case 'MessagesDelivered':
    case 'MessagesRead': {
      const c = ctx.services.queries.messages.conversationOf(m.data.by, m.data.peer);
      return {
        kind: 'ReceiptsChanged',
        ...base,
        by: m.data.by,
        peer: m.data.peer,
        deliveredUpTo: c?.deliveredUpTo ?? m.data.upTo,
        readUpTo: c?.readUpTo ?? 0,
      };
    }
    default:
      return null;
  }
}

builder.subscriptionField('feed', (t) =>
  t.field({
    type: FeedItem,
    description:
      'Everything that happens to the signed-in identity after `after` (a position from an earlier item), then live. Resume with the last position seen: nothing is lost or repeated.',
    args: { after: t.arg({ type: 'Position', required: false }) },
    subscribe: async (_root, { after }, ctx) => {
      const viewer = requireViewer(ctx);
      if (after != null) await ctx.services.feed.checkCursor(after);
      const feed = ctx.services.feed.open(viewer.address, after ?? ctx.services.feed.position);
      return (async function* () {
        try {
          for await (const e of feed) {
            const item = toItem(e, ctx);
            if (item) yield item;
          }
        } finally {
          feed.close();
        }
      })();
    },
    resolve: (item) => item,
  }),
);
