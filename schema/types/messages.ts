import type { ConversationView, MessageView } from '../../events/messages/projection.ts';
import { messageStatus, unreadCount } from '../../events/messages/projection.ts';
import { builder, requireViewer } from '../builder.ts';
import { requestMetadata } from '../context.ts';

const MessageStatus = builder.enumType('MessageStatus', {
  values: ['SENT', 'DELIVERED', 'READ'] as const,
});

export const MessageRef = builder.objectRef<MessageView>('Message').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id the sending client chose.' }),
    position: t.field({ type: 'Position', resolve: (m) => m.position }),
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    body: t.string({
      nullable: true,
      description: 'Null once deleted for everyone.',
      resolve: (m) => (m.deleted ? null : m.body),
    }),
    sentAt: t.field({ type: 'Timestamp', resolve: (m) => m.sentAt }),
    editedAt: t.field({ type: 'Timestamp', nullable: true, resolve: (m) => m.editedAt }),
    deleted: t.exposeBoolean('deleted'),
    outgoing: t.boolean({ resolve: (m, _a, ctx) => m.from === ctx.viewer?.address }),
    status: t.field({
      type: MessageStatus,
      nullable: true,
      description: 'For messages you sent: SENT, DELIVERED (a device of theirs has it) or READ.',
      resolve: (m, _a, ctx) => {
        if (!ctx.viewer || m.from !== ctx.viewer.address) return null;
        const c = ctx.services.queries.messages.conversationOf(ctx.viewer.address, m.to);
        return c ? messageStatus(c, m) : 'SENT';
      },
    }),
  }),
});

const ConversationRef = builder.objectRef<ConversationView>('Conversation').implement({
  fields: (t) => ({
    peer: t.exposeString('peer'),
    nickname: t.string({
      nullable: true,
      resolve: (c, _a, ctx) => ctx.services.queries.contacts.nicknameOf(c.owner, c.peer),
    }),
    displayName: t.string({
      nullable: true,
      resolve: (c, _a, ctx) => ctx.services.queries.identity.displayNameOf(c.peer),
    }),
    isRequest: t.boolean({
      description: 'Messages from someone not in your contacts, waiting to be accepted or declined.',
      resolve: (c, _a, ctx) => ctx.services.queries.contacts.isRequest(c.owner, c.peer),
    }),
    lastMessage: t.field({
      type: MessageRef,
      nullable: true,
      resolve: (c) => c.messages[c.messages.length - 1] ?? null,
    }),
    unreadCount: t.int({ resolve: (c) => unreadCount(c) }),
    readUpTo: t.field({ type: 'Position', resolve: (c) => c.readUpTo }),
    peerReadUpTo: t.field({ type: 'Position', resolve: (c) => c.peerReadUpTo }),
    peerDeliveredUpTo: t.field({ type: 'Position', resolve: (c) => c.peerDeliveredUpTo }),
  }),
});

const MessagePageRef = builder
  .objectRef<{ messages: MessageView[]; hasMore: boolean }>('MessagePage')
  .implement({
    fields: (t) => ({
      messages: t.field({ type: [MessageRef], resolve: (p) => p.messages }),
      hasMore: t.exposeBoolean('hasMore'),
      before: t.field({
        type: 'Position',
        nullable: true,
        description: 'Pass as `before` for the next (older) page.',
        resolve: (p) => (p.hasMore ? (p.messages[0]?.position ?? null) : null),
      }),
    }),
  });

builder.queryFields((t) => ({
  conversations: t.field({
    type: [ConversationRef],
    description: 'Your conversations, most recent first; `requests: true` lists only message requests.',
    args: { requests: t.arg.boolean({ required: false }) },
    resolve: (_r, { requests }, ctx) => {
      const viewer = requireViewer(ctx);
      const all = ctx.services.queries.messages.conversations(viewer);
      if (requests == null) return all;
      return all.filter((c) => ctx.services.queries.contacts.isRequest(viewer.address, c.peer) === requests);
    },
  }),
  messages: t.field({
    type: MessagePageRef,
    description: 'History of your conversation with `with`, newest last, paged backwards by position.',
    args: {
      with: t.arg.string(),
      before: t.arg({ type: 'Position', required: false }),
      last: t.arg.int({ required: false }),
    },
    resolve: async (_r, args, ctx) => {
      const viewer = requireViewer(ctx);
      if (args.before != null) await ctx.services.feed.checkCursor(args.before);
      return ctx.services.queries.messages.page(viewer, args.with, args.before, args.last ?? 50);
    },
  }),
}));

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    id: t.id({ description: 'A UUID made by the client: sending the same id again is the same message.' }),
    to: t.string(),
    body: t.string(),
  }),
});

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: MessageRef,
    args: { input: t.arg({ type: SendMessageInput }) },
    resolve: (_r, { input }, ctx) =>
      ctx.services.commands.messages.send(
        requireViewer(ctx),
        { id: String(input.id), to: input.to, body: input.body },
        requestMetadata(ctx),
      ),
  }),
  editMessage: t.field({
    type: MessageRef,
    args: { id: t.arg.id(), body: t.arg.string() },
    resolve: (_r, { id, body }, ctx) =>
      ctx.services.commands.messages.edit(requireViewer(ctx), String(id), body, requestMetadata(ctx)),
  }),
  deleteMessage: t.field({
    type: MessageRef,
    description: 'Deletes one of your messages for everyone (within 48 hours).',
    args: { id: t.arg.id() },
    resolve: (_r, { id }, ctx) =>
      ctx.services.commands.messages.delete(requireViewer(ctx), String(id), requestMetadata(ctx)),
  }),
  markDelivered: t.boolean({
    description: "A device of yours received `peer`'s messages up to `upTo`.",
    args: { peer: t.arg.string(), upTo: t.arg({ type: 'Position' }) },
    resolve: async (_r, { peer, upTo }, ctx) => {
      await ctx.services.commands.messages.acknowledge(
        requireViewer(ctx),
        'MarkDelivered',
        peer,
        upTo,
        requestMetadata(ctx),
      );
      return true;
    },
  }),
  markRead: t.boolean({
    description: "You read `peer`'s messages up to `upTo`.",
    args: { peer: t.arg.string(), upTo: t.arg({ type: 'Position' }) },
    resolve: async (_r, { peer, upTo }, ctx) => {
      await ctx.services.commands.messages.acknowledge(
        requireViewer(ctx),
        'MarkRead',
        peer,
        upTo,
        requestMetadata(ctx),
      );
      return true;
    },
  }),
  sendTyping: t.boolean({
    description:
      'Tells `to` you are typing (ephemeral: not recorded, not delivered to those who blocked you).',
    args: { to: t.arg.string() },
    resolve: async (_r, { to }, ctx) => {
      await ctx.services.typing.send(requireViewer(ctx), to);
      return true;
    },
  }),
}));

const TypingRef = builder.objectRef<{ from: string; at: number }>('Typing').implement({
  fields: (t) => ({
    from: t.exposeString('from'),
    at: t.field({ type: 'Timestamp', resolve: (s) => s.at }),
  }),
});

builder.subscriptionField('typing', (t) =>
  t.field({
    type: TypingRef,
    description: 'Typing indicators for you (ephemeral, live only).',
    subscribe: (_r, _a, ctx) => {
      const viewer = requireViewer(ctx);
      const queue: { from: string; at: number }[] = [];
      let wake: (() => void) | null = null;
      const stop = ctx.services.typing.listen(viewer.address, (s) => {
        if (queue.length < 100) queue.push({ from: s.from, at: s.at }); // ephemeral: drop when flooded
        wake?.();
      });
      return (async function* () {
        try {
          for (;;) {
            const next = queue.shift();
            if (next) yield next;
            else
              await new Promise<void>((r) => {
                wake = r;
              });
          }
        } finally {
          stop();
        }
      })();
    },
    resolve: (s) => s,
  }),
);
