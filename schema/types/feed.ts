import type { IdentityView } from '../../events/identity/projections.ts';
import type { RecordedEvent } from '../../events/store/types.ts';
import { builder, requireViewer } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { IdentityRef } from './identity.ts';

type FeedItemShape =
  | { kind: 'IdentityUpdated'; position: number; at: number; identity: IdentityView }
  | { kind: 'SessionEnded'; position: number; at: number; sessionId: string };

const FeedItem = builder.interfaceRef<FeedItemShape>('FeedItem').implement({
  description: 'Something that happened to the signed-in identity, at a log position to resume after.',
  fields: (t) => ({
    position: t.field({ type: 'Position', resolve: (i) => i.position }),
    at: t.field({ type: 'Timestamp', resolve: (i) => i.at }),
  }),
  resolveType: (item) => item.kind,
});

builder.objectRef<Extract<FeedItemShape, { kind: 'IdentityUpdated' }>>('IdentityUpdated').implement({
  interfaces: [FeedItem],
  fields: (t) => ({ identity: t.field({ type: IdentityRef, resolve: (i) => i.identity }) }),
});

builder.objectRef<Extract<FeedItemShape, { kind: 'SessionEnded' }>>('SessionEnded').implement({
  interfaces: [FeedItem],
  fields: (t) => ({ sessionId: t.exposeString('sessionId') }),
});

async function toItem(e: RecordedEvent, ctx: GraphQLContext): Promise<FeedItemShape | null> {
  const base = { position: e.position, at: e.time.getTime() };
  switch (e.type) {
    case 'IdentityRegistered':
    case 'DisplayNameChanged': {
      const identity = await ctx.services.identity.identity(e.streamId.slice('identity-'.length));
      return identity ? { kind: 'IdentityUpdated', ...base, identity } : null;
    }
    case 'SessionEnded':
      return { kind: 'SessionEnded', ...base, sessionId: String(e.data.sessionId) };
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
    subscribe: (_root, { after }, ctx) => {
      const viewer = requireViewer(ctx);
      const feed = ctx.services.feed.open(viewer.address, after ?? ctx.services.feed.position);
      return (async function* () {
        try {
          for await (const e of feed) {
            const item = await toItem(e, ctx);
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
