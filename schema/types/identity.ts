import type { IdentityView } from '../../events/identity/projections.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { addressProblem } from '../../protocol/address.ts';
import { builder, requireViewer } from '../builder.ts';
import { requestMetadata } from '../context.ts';

export const IdentityRef = builder.objectRef<IdentityView>('Identity').implement({
  description: 'An identity: an Ed25519 key, the address derived from it, and a display name.',
  fields: (t) => ({
    address: t.exposeString('address'),
    publicKey: t.exposeString('publicKey', { description: 'Raw 32-byte Ed25519 public key, base64url.' }),
    displayName: t.exposeString('displayName'),
    registeredAt: t.field({ type: 'Timestamp', resolve: (i) => i.registeredAt }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: IdentityRef,
    description: 'The signed-in identity.',
    resolve: async (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      return (await ctx.services.queries.identity.identity(viewer.address))!;
    },
  }),
);

builder.queryField('identity', (t) =>
  t.field({
    type: IdentityRef,
    nullable: true,
    description: 'Looks up an identity by address (to check its key); null when none has it.',
    args: { address: t.arg.string() },
    resolve: (_root, { address }, ctx) => {
      requireViewer(ctx);
      const problem = addressProblem(address);
      if (problem) throw new DomainError('ADDRESS_INVALID', problem);
      return ctx.services.queries.identity.identity(address);
    },
  }),
);

builder.mutationField('changeDisplayName', (t) =>
  t.field({
    type: IdentityRef,
    args: { displayName: t.arg.string() },
    resolve: (_root, { displayName }, ctx) =>
      ctx.services.commands.identity.changeDisplayName(requireViewer(ctx), displayName, requestMetadata(ctx)),
  }),
);
