import type { ContactView } from '../../app/contacts/queries.ts';
import type { ContactsState } from '../../events/contacts/decide.ts';
import { builder, requireViewer } from '../builder.ts';
import { requestMetadata } from '../context.ts';

export const ContactRef = builder.objectRef<ContactView>('Contact').implement({
  fields: (t) => ({
    address: t.exposeString('address'),
    nickname: t.exposeString('nickname'),
    alwaysAllowed: t.exposeBoolean('alwaysAllowed', {
      description: 'Rings even with do-not-disturb on.',
    }),
    displayName: t.exposeString('displayName', { nullable: true, description: 'The name they chose.' }),
  }),
});

const NonContactCalls = builder.enumType('NonContactCallPolicy', {
  description: 'What a call from someone not in the contacts does.',
  values: { RING: { value: 'ring' }, SILENCE: { value: 'silence' } } as const,
});

const SettingsRef = builder.objectRef<ContactsState>('Settings').implement({
  fields: (t) => ({
    doNotDisturb: t.exposeBoolean('doNotDisturb'),
    nonContactCalls: t.field({ type: NonContactCalls, resolve: (s) => s.nonContactCalls }),
    blocked: t.stringList({ description: 'Blocked addresses.', resolve: (s) => [...s.blocked].sort() }),
  }),
});

builder.queryFields((t) => ({
  contacts: t.field({
    type: [ContactRef],
    resolve: (_r, _a, ctx) => ctx.services.queries.contacts.contacts(requireViewer(ctx).address),
  }),
  settings: t.field({
    type: SettingsRef,
    resolve: (_r, _a, ctx) => ctx.services.queries.contacts.book(requireViewer(ctx).address),
  }),
}));

builder.mutationFields((t) => ({
  addContact: t.field({
    type: ContactRef,
    args: { address: t.arg.string(), nickname: t.arg.string() },
    resolve: (_r, { address, nickname }, ctx) =>
      ctx.services.commands.contacts.add(requireViewer(ctx), address, nickname, requestMetadata(ctx)),
  }),
  renameContact: t.field({
    type: ContactRef,
    args: { address: t.arg.string(), nickname: t.arg.string() },
    resolve: (_r, { address, nickname }, ctx) =>
      ctx.services.commands.contacts.rename(requireViewer(ctx), address, nickname, requestMetadata(ctx)),
  }),
  removeContact: t.boolean({
    args: { address: t.arg.string() },
    resolve: (_r, { address }, ctx) =>
      ctx.services.commands.contacts.remove(requireViewer(ctx), address, requestMetadata(ctx)),
  }),
  blockContact: t.boolean({
    description:
      'Blocks an address (contact or not). They are not told; their messages and calls stop reaching you.',
    args: { address: t.arg.string() },
    resolve: (_r, { address }, ctx) =>
      ctx.services.commands.contacts.block(requireViewer(ctx), address, requestMetadata(ctx)),
  }),
  unblockContact: t.boolean({
    args: { address: t.arg.string() },
    resolve: (_r, { address }, ctx) =>
      ctx.services.commands.contacts.unblock(requireViewer(ctx), address, requestMetadata(ctx)),
  }),
  setAlwaysAllowed: t.field({
    type: ContactRef,
    args: { address: t.arg.string(), alwaysAllowed: t.arg.boolean() },
    resolve: (_r, { address, alwaysAllowed }, ctx) =>
      ctx.services.commands.contacts.setAlwaysAllowed(
        requireViewer(ctx),
        address,
        alwaysAllowed,
        requestMetadata(ctx),
      ),
  }),
  setDoNotDisturb: t.field({
    type: SettingsRef,
    args: { on: t.arg.boolean() },
    resolve: (_r, { on }, ctx) =>
      ctx.services.commands.contacts.setDoNotDisturb(requireViewer(ctx), on, requestMetadata(ctx)),
  }),
  setNonContactCalls: t.field({
    type: SettingsRef,
    args: { policy: t.arg({ type: NonContactCalls }) },
    resolve: (_r, { policy }, ctx) =>
      ctx.services.commands.contacts.setNonContactCalls(requireViewer(ctx), policy, requestMetadata(ctx)),
  }),
  acceptMessageRequest: t.field({
    type: ContactRef,
    description: 'Accepts the message request from `address`: they become a contact.',
    args: { address: t.arg.string(), nickname: t.arg.string({ required: false }) },
    resolve: (_r, { address, nickname }, ctx) =>
      ctx.services.commands.contacts.acceptRequest(
        requireViewer(ctx),
        address,
        nickname,
        requestMetadata(ctx),
      ),
  }),
  declineMessageRequest: t.boolean({
    args: { address: t.arg.string() },
    resolve: (_r, { address }, ctx) =>
      ctx.services.commands.contacts.declineRequest(requireViewer(ctx), address, requestMetadata(ctx)),
  }),
}));
