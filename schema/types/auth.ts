import type { AuthResult } from '../../app/identity/commands.ts';
import { takeSignInAttempt } from '../../app/limits.ts';
import { builder, requireViewer } from '../builder.ts';
import { type GraphQLContext, requestMetadata } from '../context.ts';
import { IdentityRef } from './identity.ts';

const ChallengeRef = builder.objectRef<{ challenge: string; expiresAt: number }>('Challenge').implement({
  description: 'A single-use value to sign for register or signIn; valid for five minutes.',
  fields: (t) => ({
    challenge: t.exposeString('challenge'),
    expiresAt: t.field({ type: 'Timestamp', resolve: (c) => c.expiresAt }),
  }),
});

const AuthPayloadRef = builder.objectRef<AuthResult>('AuthPayload').implement({
  description: 'A new session. The token is shown once; the server keeps only its hash.',
  fields: (t) => ({
    token: t.exposeString('token'),
    sessionId: t.exposeString('sessionId'),
    expiresAt: t.field({ type: 'Timestamp', resolve: (p) => p.expiresAt }),
    identity: t.field({ type: IdentityRef, resolve: (p) => p.identity }),
  }),
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    publicKey: t.string({ description: 'Raw 32-byte Ed25519 public key, base64url without padding.' }),
    displayName: t.string(),
    challenge: t.string(),
    signature: t.string({
      description: 'Ed25519 signature (base64url) of the register message: docs/protocol.md.',
    }),
    device: t.string({ required: false }),
  }),
});

const SignInInput = builder.inputType('SignInInput', {
  fields: (t) => ({
    address: t.string(),
    challenge: t.string(),
    signature: t.string({
      description: 'Ed25519 signature (base64url) of the sign-in message: docs/protocol.md.',
    }),
    device: t.string({ required: false }),
  }),
});

/** Per-IP (and per-identity) limits on the unauthenticated entry points. */
const rateLimit = (ctx: GraphQLContext, identity?: string) =>
  takeSignInAttempt(ctx.services.limits, ctx.ip, identity);

builder.mutationField('requestChallenge', (t) =>
  t.field({
    type: ChallengeRef,
    resolve: async (_root, _args, ctx) => {
      await rateLimit(ctx);
      return ctx.services.commands.identity.requestChallenge();
    },
  }),
);

builder.mutationField('register', (t) =>
  t.field({
    type: AuthPayloadRef,
    args: { input: t.arg({ type: RegisterInput }) },
    resolve: async (_root, { input }, ctx) => {
      await rateLimit(ctx);
      return ctx.services.commands.identity.register(input, requestMetadata(ctx));
    },
  }),
);

builder.mutationField('signIn', (t) =>
  t.field({
    type: AuthPayloadRef,
    args: { input: t.arg({ type: SignInInput }) },
    resolve: async (_root, { input }, ctx) => {
      await rateLimit(ctx, input.address);
      return ctx.services.commands.identity.signIn(input, requestMetadata(ctx));
    },
  }),
);

builder.mutationField('signOut', (t) =>
  t.boolean({
    description: 'Ends this session: its token stops working and its WebSockets close.',
    resolve: (_root, _args, ctx) =>
      ctx.services.commands.identity.signOut(requireViewer(ctx), requestMetadata(ctx)),
  }),
);

builder.mutationField('signOutEverywhere', (t) =>
  t.int({
    description:
      'Ends every live session of your identity, this one included: their tokens stop working and their WebSockets close on every node. Returns how many ended (0 when none was left). A device that holds the key can sign in again.',
    resolve: (_root, _args, ctx) =>
      ctx.services.commands.identity.signOutEverywhere(requireViewer(ctx), requestMetadata(ctx)),
  }),
);
