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

interface EmbedVerification {
  site: string;
  subject: string;
  name: string | null;
  expiresAt: number;
  verifiedAt: number;
}

const EmbedVerificationRef = builder.objectRef<EmbedVerification>('EmbedVerification').implement({
  description:
    'A host site vouched for the signed-in identity in a verified handover (docs/embedding.md). It grants no key and no session.',
  fields: (t) => ({
    site: t.exposeString('site', { description: 'The host origin that signed the assertion.' }),
    subject: t.exposeString('subject', { description: "The site's own id for its user (`sub`)." }),
    name: t.exposeString('name', {
      nullable: true,
      description: 'The name the site gives its user, if any.',
    }),
    expiresAt: t.field({ type: 'Timestamp', resolve: (v) => v.expiresAt }),
    verifiedAt: t.field({ type: 'Timestamp', resolve: (v) => v.verifiedAt }),
  }),
});

builder.mutationField('verifyEmbedHandover', (t) =>
  t.field({
    type: EmbedVerificationRef,
    description:
      "Verifies a host site's signed handover assertion and records that the site vouches for the signed-in identity. `site` is the host page's origin as the embed frame validated it; it must equal the assertion's `site` and have a secret in EMBED_SITE_SECRETS. Each assertion works once (TOKEN_REPLAYED after).",
    args: { assertion: t.arg.string(), site: t.arg.string() },
    resolve: (_root, { assertion, site }, ctx) =>
      ctx.services.commands.identity.verifyEmbedHandover(
        requireViewer(ctx),
        assertion,
        site,
        requestMetadata(ctx),
      ),
  }),
);
