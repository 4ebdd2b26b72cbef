import { timingSafeEqual } from 'node:crypto';
import type { CallView } from '../../events/calls/projection.ts';
import { type CallQuality, isRelayed, QUALITY_LIMITS } from '../../events/calls/quality.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { builder, requireViewer } from '../builder.ts';
import { type GraphQLContext, requestMetadata } from '../context.ts';

const Media = builder.enumType('CallMedia', {
  values: { AUDIO: { value: 'audio' }, VIDEO: { value: 'video' } } as const,
});
const Status = builder.enumType('CallStatus', {
  values: ['PLACED', 'RINGING', 'ACCEPTED', 'DECLINED', 'MISSED', 'BUSY', 'CANCELLED', 'ENDED'] as const,
});
const SignalKindEnum = builder.enumType('CallSignalKind', {
  values: {
    OFFER: { value: 'offer' },
    ANSWER: { value: 'answer' },
    CANDIDATE: { value: 'candidate' },
    RESTART: { value: 'restart' },
  } as const,
});
const EndReasonEnum = builder.enumType('CallEndReason', {
  values: {
    HANGUP: { value: 'hangup' },
    ICE_FAILED: { value: 'ice_failed' },
    NETWORK: { value: 'network' },
    ERROR: { value: 'error' },
  } as const,
});
const PlanEnum = builder.enumType('Plan', { values: ['FREE', 'PRO'] as const });
const CandidateTypeEnum = builder.enumType('IceCandidateType', {
  description: 'The type of an ICE candidate (RFC 8445): host, server reflexive, peer reflexive, relay.',
  values: {
    HOST: { value: 'host' },
    SRFLX: { value: 'srflx' },
    PRFLX: { value: 'prflx' },
    RELAY: { value: 'relay' },
  } as const,
});
const RelayProtocolEnum = builder.enumType('RelayProtocol', {
  description: 'How a client reached its TURN server.',
  values: { UDP: { value: 'udp' }, TCP: { value: 'tcp' }, TLS: { value: 'tls' } } as const,
});

const CallQualityRef = builder.objectRef<CallQuality>('CallQuality').implement({
  description:
    'One participant’s summary of an ended call’s media path, from getStats() (docs/protocol.md, "Call quality").',
  fields: (t) => ({
    connected: t.exposeBoolean('connected', { description: 'ICE reached connected during the call.' }),
    setupMs: t.exposeInt('setupMs', {
      nullable: true,
      description: 'Accepting to connected, ms; null when it never connected.',
    }),
    localCandidate: t.field({ type: CandidateTypeEnum, nullable: true, resolve: (q) => q.localCandidate }),
    remoteCandidate: t.field({ type: CandidateTypeEnum, nullable: true, resolve: (q) => q.remoteCandidate }),
    relayProtocol: t.field({ type: RelayProtocolEnum, nullable: true, resolve: (q) => q.relayProtocol }),
    relayed: t.boolean({ description: 'Either end of the path was a TURN relay.', resolve: isRelayed }),
    rttMs: t.exposeFloat('rttMs', { nullable: true }),
    packetLossPercent: t.exposeFloat('packetLossPercent', { nullable: true }),
    jitterMs: t.exposeFloat('jitterMs', { nullable: true }),
    bitrateInKbps: t.exposeFloat('bitrateInKbps', { nullable: true }),
    bitrateOutKbps: t.exposeFloat('bitrateOutKbps', { nullable: true }),
    iceRestarts: t.exposeInt('iceRestarts'),
  }),
});

const CallQualityInput = builder.inputType('CallQualityInput', {
  description: `A call's quality as this participant saw it. Numbers are finite and at least 0: setupMs ≤ ${QUALITY_LIMITS.setupMs}, rttMs and jitterMs ≤ ${QUALITY_LIMITS.rttMs}, packetLossPercent ≤ 100, bitrates ≤ ${QUALITY_LIMITS.bitrateKbps} kbit/s, iceRestarts ≤ ${QUALITY_LIMITS.iceRestarts}.`,
  fields: (t) => ({
    connected: t.boolean(),
    setupMs: t.int({ required: false }),
    localCandidate: t.field({ type: CandidateTypeEnum, required: false }),
    remoteCandidate: t.field({ type: CandidateTypeEnum, required: false }),
    relayProtocol: t.field({ type: RelayProtocolEnum, required: false }),
    rttMs: t.float({ required: false }),
    packetLossPercent: t.float({ required: false }),
    jitterMs: t.float({ required: false }),
    bitrateInKbps: t.float({ required: false }),
    bitrateOutKbps: t.float({ required: false }),
    iceRestarts: t.int(),
  }),
});

const CallTokenRef = builder.objectRef<CallView>('CallToken').implement({
  description:
    "The caller's signed token: verify `signature` with the caller's public key before ringing (docs/protocol.md).",
  fields: (t) => ({
    callId: t.exposeString('callId'),
    from: t.exposeString('caller'),
    to: t.exposeString('callee'),
    media: t.field({ type: Media, resolve: (c) => c.media }),
    issuedAt: t.field({ type: 'Timestamp', resolve: (c) => c.issuedAt }),
    nonce: t.exposeString('nonce'),
    signature: t.exposeString('signature'),
  }),
});

export const CallRef = builder.objectRef<CallView>('Call').implement({
  fields: (t) => ({
    callId: t.exposeID('callId'),
    caller: t.exposeString('caller'),
    callee: t.exposeString('callee'),
    media: t.field({ type: Media, resolve: (c) => c.media }),
    status: t.field({ type: Status, resolve: (c) => c.status.toUpperCase() as never }),
    direction: t.string({
      description: 'OUTGOING or INCOMING for you; MISSED is a status.',
      resolve: (c, _a, ctx) => (c.caller === ctx.viewer?.address ? 'OUTGOING' : 'INCOMING'),
    }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'Why it ended: timeout, do_not_disturb, glare, hangup, ice_failed, …',
    }),
    placedAt: t.field({ type: 'Timestamp', resolve: (c) => c.placedAt }),
    acceptedAt: t.field({ type: 'Timestamp', nullable: true, resolve: (c) => c.acceptedAt }),
    endedAt: t.field({ type: 'Timestamp', nullable: true, resolve: (c) => c.endedAt }),
    durationMs: t.int({ nullable: true, resolve: (c) => c.durationMs }),
    endedBy: t.exposeString('endedBy', { nullable: true }),
    answeredHere: t.boolean({
      description: 'Accepted on this device (session).',
      resolve: (c, _a, ctx) => c.acceptedSession !== null && c.acceptedSession === ctx.viewer?.sessionId,
    }),
    token: t.field({ type: CallTokenRef, resolve: (c) => c }),
    quality: t.field({
      type: CallQualityRef,
      nullable: true,
      description: 'Your report of this call’s quality (null until sent).',
      resolve: (c, _a, ctx) => c.quality[c.caller === ctx.viewer?.address ? 'caller' : 'callee'],
    }),
    peerQuality: t.field({
      type: CallQualityRef,
      nullable: true,
      description: 'The other participant’s report (null until sent).',
      resolve: (c, _a, ctx) => c.quality[c.caller === ctx.viewer?.address ? 'callee' : 'caller'],
    }),
  }),
});

const IceServerRef = builder
  .objectRef<{ urls: string[]; username?: string; credential?: string; expiresAt?: number }>('IceServer')
  .implement({
    fields: (t) => ({
      urls: t.exposeStringList('urls'),
      username: t.exposeString('username', { nullable: true }),
      credential: t.exposeString('credential', { nullable: true }),
      expiresAt: t.field({
        type: 'Timestamp',
        nullable: true,
        description:
          'When the credentials stop working (TURN_MODE=rest: now + TURN_TTL); null when they do not expire. Fetch fresh ones before.',
        resolve: (s) => s.expiresAt ?? null,
      }),
    }),
  });

const PlaceCallInput = builder.inputType('PlaceCallInput', {
  description: 'A call token: these fields signed by the caller (docs/protocol.md).',
  fields: (t) => ({
    callId: t.id(),
    from: t.string(),
    to: t.string(),
    media: t.field({ type: Media }),
    issuedAt: t.field({ type: 'Timestamp' }),
    nonce: t.string(),
    signature: t.string(),
  }),
});

const CallPageRef = builder.objectRef<{ calls: CallView[]; hasMore: boolean }>('CallPage').implement({
  fields: (t) => ({
    calls: t.field({ type: [CallRef], resolve: (p) => p.calls }),
    hasMore: t.exposeBoolean('hasMore'),
    before: t.field({
      type: 'Position',
      nullable: true,
      description: 'Pass as `before` for the next (older) page.',
      resolve: (p) => (p.hasMore ? (p.calls[p.calls.length - 1]?.position ?? null) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  iceServers: t.field({
    type: [IceServerRef],
    description:
      'ICE servers for your calls: STUN always, TURN by plan (short-lived credentials with TURN_MODE=rest).',
    resolve: (_r, _a, ctx) => ctx.services.queries.calls.iceServers(requireViewer(ctx)),
  }),
  call: t.field({
    type: CallRef,
    nullable: true,
    args: { callId: t.arg.id() },
    resolve: (_r, { callId }, ctx) => {
      const viewer = requireViewer(ctx);
      const c = ctx.services.queries.calls.call(String(callId));
      return c && (c.caller === viewer.address || (c.callee === viewer.address && !c.silent)) ? c : null;
    },
  }),
  callHistory: t.field({
    type: CallPageRef,
    description: 'Your calls, newest first, paged backwards by the position of their placement.',
    args: { before: t.arg({ type: 'Position', required: false }), last: t.arg.int({ required: false }) },
    resolve: async (_r, { before, last }, ctx) => {
      const viewer = requireViewer(ctx);
      if (before != null) await ctx.services.feed.checkCursor(before);
      return ctx.services.queries.calls.history(viewer, before, last ?? 50);
    },
  }),
  plan: t.field({
    type: PlanEnum,
    resolve: (_r, _a, ctx) => ctx.services.queries.plans.plan(requireViewer(ctx).address),
  }),
}));

/** Operator access: the `x-admin-token` header must equal ADMIN_TOKEN (unset: no operator access). */
function requireAdmin(ctx: GraphQLContext): void {
  const expected = ctx.services.adminToken;
  const given = ctx.adminToken;
  const ok =
    !!expected &&
    !!given &&
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) throw new DomainError('FORBIDDEN', 'operator access needs the admin token');
}

builder.mutationFields((t) => ({
  placeCall: t.field({
    type: CallRef,
    description:
      'Places a call with a signed call token. With glare the surviving call is returned (it may be theirs: accept it).',
    args: { input: t.arg({ type: PlaceCallInput }) },
    resolve: (_r, { input }, ctx) =>
      ctx.services.commands.calls.place(
        requireViewer(ctx),
        { ...input, callId: String(input.callId) },
        requestMetadata(ctx),
      ),
  }),
  ringing: t.field({
    type: CallRef,
    description: 'A device of the callee is ringing (after checking the token).',
    args: { callId: t.arg.id() },
    resolve: (_r, { callId }, ctx) =>
      ctx.services.commands.calls.ringing(requireViewer(ctx), String(callId), requestMetadata(ctx)),
  }),
  acceptCall: t.field({
    type: CallRef,
    args: { callId: t.arg.id() },
    resolve: (_r, { callId }, ctx) =>
      ctx.services.commands.calls.answer(requireViewer(ctx), String(callId), true, requestMetadata(ctx)),
  }),
  declineCall: t.field({
    type: CallRef,
    args: { callId: t.arg.id() },
    resolve: (_r, { callId }, ctx) =>
      ctx.services.commands.calls.answer(requireViewer(ctx), String(callId), false, requestMetadata(ctx)),
  }),
  hangUp: t.field({
    type: CallRef,
    description: 'Ends an accepted call; before that, the caller cancels and the callee declines.',
    args: { callId: t.arg.id(), reason: t.arg({ type: EndReasonEnum, required: false }) },
    resolve: (_r, { callId, reason }, ctx) =>
      ctx.services.commands.calls.hangup(
        requireViewer(ctx),
        String(callId),
        reason ?? 'hangup',
        requestMetadata(ctx),
      ),
  }),
  reportCallQuality: t.field({
    type: CallRef,
    description:
      'Your summary of an ended call’s quality: once per participant (the callee from the answering device); a second report is CONFLICT.',
    args: { callId: t.arg.id(), quality: t.arg({ type: CallQualityInput }) },
    resolve: (_r, { callId, quality }, ctx) =>
      ctx.services.commands.calls.reportQuality(
        requireViewer(ctx),
        String(callId),
        {
          connected: quality.connected,
          setupMs: quality.setupMs ?? null,
          localCandidate: quality.localCandidate ?? null,
          remoteCandidate: quality.remoteCandidate ?? null,
          relayProtocol: quality.relayProtocol ?? null,
          rttMs: quality.rttMs ?? null,
          packetLossPercent: quality.packetLossPercent ?? null,
          jitterMs: quality.jitterMs ?? null,
          bitrateInKbps: quality.bitrateInKbps ?? null,
          bitrateOutKbps: quality.bitrateOutKbps ?? null,
          iceRestarts: quality.iceRestarts,
        },
        requestMetadata(ctx),
      ),
  }),
  sendCallSignal: t.boolean({
    description:
      'SDP offer/answer, trickle ICE candidate or ICE-restart offer for the other participant (via their feed).',
    args: { callId: t.arg.id(), kind: t.arg({ type: SignalKindEnum }), payload: t.arg.string() },
    resolve: (_r, { callId, kind, payload }, ctx) =>
      ctx.services.commands.calls.signal(
        requireViewer(ctx),
        String(callId),
        kind,
        payload,
        requestMetadata(ctx),
      ),
  }),
  setPlan: t.field({
    type: PlanEnum,
    description: 'Operator only (header x-admin-token): change an identity’s plan.',
    args: { address: t.arg.string(), plan: t.arg({ type: PlanEnum }) },
    resolve: (_r, { address, plan }, ctx) => {
      requireAdmin(ctx);
      return ctx.services.commands.plans.setPlan(address, plan, requestMetadata(ctx));
    },
  }),
}));
