import { type Operator, operatorRole } from '../../app/audit/access.ts';
import type { ProjectionDigest, VerifyReport } from '../../app/audit/service.ts';
import type { Checkpoint } from '../../events/audit/checkpoint.ts';
import type { Change, StateKind } from '../../events/audit/time-travel.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { canonicalJson } from '../../events/store/hash.ts';
import type { RecordedEvent } from '../../events/store/types.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

/**
 * The operator's audit API. Every field needs ADMIN_TOKEN or AUDIT_TOKEN in the
 * `x-admin-token` header (HTTP only: a WebSocket operation never carries it, so over
 * WebSocket these fields always refuse); a user's session grants nothing here.
 */
export function requireOperator(ctx: GraphQLContext, need: 'read' | 'admin' = 'read'): Operator {
  const role = operatorRole(ctx.adminToken, ctx.services);
  if (!role) {
    if (!ctx.adminToken && !ctx.viewer)
      throw new DomainError(
        'UNAUTHENTICATED',
        'audit access needs the admin or audit token (header x-admin-token)',
      );
    throw new DomainError('FORBIDDEN', 'audit access needs the admin or audit token (header x-admin-token)');
  }
  if (need === 'admin' && role !== 'admin') throw new DomainError('FORBIDDEN', 'this needs the admin token');
  return { role, requestId: ctx.requestId };
}

const STRING_MAX = 200;
const text = (name: string, v: string | null | undefined): string | undefined => {
  if (v == null) return undefined;
  if (v.length === 0 || v.length > STRING_MAX)
    throw new DomainError('BAD_INPUT', `${name} must be 1 to ${STRING_MAX} characters`);
  return v;
};

const AuditEventRef = builder.objectRef<RecordedEvent>('AuditEvent').implement({
  description: 'One recorded event, exactly as the log holds it.',
  fields: (t) => ({
    position: t.field({ type: 'Position', resolve: (e) => e.position }),
    streamId: t.exposeString('streamId'),
    streamVersion: t.exposeInt('streamVersion'),
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    data: t.string({
      description: 'The event data as canonical JSON.',
      resolve: (e) => canonicalJson(e.data),
    }),
    metadata: t.string({
      description: 'The metadata as canonical JSON.',
      resolve: (e) => canonicalJson(e.metadata),
    }),
    actor: t.string({ nullable: true, resolve: (e) => e.metadata.actor ?? null }),
    correlationId: t.string({ nullable: true, resolve: (e) => e.metadata.correlationId ?? null }),
    time: t.field({ type: 'Timestamp', resolve: (e) => e.time.getTime() }),
    hash: t.exposeString('hash'),
  }),
});

const AuditEventPageRef = builder
  .objectRef<{ events: RecordedEvent[]; next: number | null; head: number }>('AuditEventPage')
  .implement({
    fields: (t) => ({
      events: t.field({ type: [AuditEventRef], resolve: (p) => p.events }),
      next: t.field({
        type: 'Position',
        nullable: true,
        description: 'Pass as `after` for the next page; null at the end.',
        resolve: (p) => p.next,
      }),
      head: t.field({
        type: 'Position',
        description: 'The log’s last position when read.',
        resolve: (p) => p.head,
      }),
    }),
  });

const ChainVerificationRef = builder.objectRef<VerifyReport>('ChainVerification').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    from: t.field({ type: 'Position', resolve: (r) => r.from }),
    to: t.field({ type: 'Position', resolve: (r) => r.to }),
    checked: t.exposeInt('checked'),
    firstBadPosition: t.field({ type: 'Position', nullable: true, resolve: (r) => r.firstBadPosition }),
    reason: t.exposeString('reason', { nullable: true }),
    lastHash: t.exposeString('lastHash', { nullable: true }),
  }),
});

const ProjectionDigestRef = builder.objectRef<ProjectionDigest>('ProjectionDigest').implement({
  description: 'SHA-256 of a read model’s canonical state: live on this node and rebuilt from the log.',
  fields: (t) => ({
    name: t.exposeString('name'),
    position: t.field({ type: 'Position', resolve: (d) => d.position }),
    live: t.exposeString('live'),
    replayed: t.exposeString('replayed'),
    match: t.exposeBoolean('match'),
  }),
});

const StateKindEnum = builder.enumType('AuditStateKind', {
  values: ['CONTACTS', 'CONVERSATION', 'CALL', 'PLAN', 'IDENTITY'] as const,
});

const AuditStateRef = builder
  .objectRef<{ kind: (typeof StateKindEnum)['$inferType']; position: number; state: unknown }>('AuditState')
  .implement({
    fields: (t) => ({
      kind: t.field({ type: StateKindEnum, resolve: (s) => s.kind }),
      position: t.field({ type: 'Position', resolve: (s) => s.position }),
      state: t.string({
        description: 'The rebuilt state as canonical JSON.',
        resolve: (s) => canonicalJson(s.state as never),
      }),
    }),
  });

const AuditChangeRef = builder.objectRef<Change>('AuditChange').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    before: t.string({ description: 'JSON; null when absent.', resolve: (c) => canonicalJson(c.before) }),
    after: t.string({ description: 'JSON; null when absent.', resolve: (c) => canonicalJson(c.after) }),
  }),
});

const CheckpointRef = builder.objectRef<Checkpoint & { recordedAt: number }>('ChainCheckpoint').implement({
  description: 'The chain head (position and hash) signed with the operator key (AUDIT_SIGNING_KEY).',
  fields: (t) => ({
    position: t.field({ type: 'Position', resolve: (c) => c.position }),
    hash: t.exposeString('hash'),
    publicKey: t.exposeString('publicKey', { description: 'Ed25519 public key, base64url.' }),
    signature: t.exposeString('signature', { description: 'Ed25519 signature, base64url.' }),
    recordedAt: t.field({
      type: 'Position',
      description: 'Position of the ChainCheckpointed event itself.',
      resolve: (c) => c.recordedAt,
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventPageRef,
    description: 'Operator (x-admin-token): events after a position, filtered, in log order.',
    args: {
      after: t.arg({ type: 'Position', required: false }),
      first: t.arg.int({ required: false }),
      to: t.arg({ type: 'Position', required: false }),
      streamId: t.arg.string({ required: false }),
      type: t.arg.string({ required: false }),
      actor: t.arg.string({ required: false }),
      correlationId: t.arg.string({ required: false }),
    },
    resolve: (_r, a, ctx) => {
      const op = requireOperator(ctx);
      return ctx.services.audit.events(
        op,
        {
          to: a.to ?? undefined,
          streamId: text('streamId', a.streamId),
          type: text('type', a.type),
          actor: text('actor', a.actor),
          correlationId: text('correlationId', a.correlationId),
        },
        a.after ?? 0,
        a.first ?? 100,
      );
    },
  }),
  auditTimeline: t.field({
    type: AuditEventPageRef,
    description: 'Operator: every event whose audience includes the identity, after a position.',
    args: {
      address: t.arg.string(),
      after: t.arg({ type: 'Position', required: false }),
      first: t.arg.int({ required: false }),
    },
    resolve: (_r, a, ctx) =>
      ctx.services.audit.timeline(requireOperator(ctx), a.address, a.after ?? 0, a.first ?? 100),
  }),
  auditVerifyChain: t.field({
    type: ChainVerificationRef,
    description:
      'Operator: recompute the hash chain over (from, to], trusting the event at `from`; without `to`, to the recorded head.',
    args: {
      from: t.arg({ type: 'Position', required: false }),
      to: t.arg({ type: 'Position', required: false }),
    },
    resolve: (_r, a, ctx) => ctx.services.audit.verify(requireOperator(ctx), a.from ?? 0, a.to ?? undefined),
  }),
  auditDigests: t.field({
    type: [ProjectionDigestRef],
    description: 'Operator: each read model’s digest, live and replayed from the log to the same position.',
    resolve: (_r, _a, ctx) => ctx.services.audit.digests(requireOperator(ctx)),
  }),
  auditStateAt: t.field({
    type: AuditStateRef,
    description:
      'Operator: a state as it stood at a position, rebuilt from the log (key: an address, a call id, or a conversation’s owner with `peer`).',
    args: {
      kind: t.arg({ type: StateKindEnum }),
      key: t.arg.string(),
      peer: t.arg.string({ required: false }),
      position: t.arg({ type: 'Position' }),
    },
    resolve: async (_r, a, ctx) => {
      const op = requireOperator(ctx);
      const kind = a.kind.toLowerCase() as StateKind;
      const state = await ctx.services.audit.stateAt(
        op,
        { kind, key: a.key, peer: a.peer ?? undefined },
        a.position,
      );
      return { kind: a.kind, position: a.position, state };
    },
  }),
  auditDiff: t.field({
    type: [AuditChangeRef],
    description: 'Operator: what changed for an identity between two positions.',
    args: { address: t.arg.string(), from: t.arg({ type: 'Position' }), to: t.arg({ type: 'Position' }) },
    resolve: (_r, a, ctx) => ctx.services.audit.diff(requireOperator(ctx), a.address, a.from, a.to),
  }),
  auditCheckpoint: t.field({
    type: CheckpointRef,
    nullable: true,
    description: 'Operator: the last signed checkpoint recorded, if any.',
    resolve: (_r, _a, ctx) => ctx.services.audit.latestCheckpoint(requireOperator(ctx)),
  }),
}));

builder.mutationField('recordCheckpoint', (t) =>
  t.field({
    type: CheckpointRef,
    description: 'Admin only: sign the chain head and record it as a ChainCheckpointed event.',
    resolve: (_r, _a, ctx) => ctx.services.audit.checkpoint(requireOperator(ctx, 'admin')),
  }),
);
