import { createHash } from 'node:crypto';
import type pg from 'pg';
import { type Checkpoint, checkpointSigner } from '../../events/audit/checkpoint.ts';
import {
  AUDIT_READS_STREAM,
  type AuditRead,
  CHECKPOINTS_STREAM,
  type ChainCheckpointed,
} from '../../events/audit/events.ts';
import { type EventFilter, scanEvents } from '../../events/audit/filter.ts';
import {
  type Change,
  diffJson,
  type StateSubject,
  stateAt,
  streamsOf,
  timelineStreams,
} from '../../events/audit/time-travel.ts';
import { projections } from '../../events/projections/registry.ts';
import { ProjectionRunner } from '../../events/projections/runner.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { GENESIS_HASH } from '../../events/store/hash.ts';
import { listEvents } from '../../events/store/postgres/list-events.ts';
import { readHead } from '../../events/store/postgres/read.ts';
import type { EventLog, JsonValue, RecordedEvent } from '../../events/store/types.ts';
import { verifyChain } from '../../events/store/verify.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { ReadModels } from '../read-models.ts';
import type { Operator } from './access.ts';

/** Most events one listing returns. */
export const AUDIT_PAGE_MAX = 500;

export interface EventPage {
  events: RecordedEvent[];
  /** The position to pass as `after` for the next page; null when there is none. */
  next: number | null;
  head: number;
}

export interface VerifyReport {
  ok: boolean;
  from: number;
  to: number;
  checked: number;
  firstBadPosition: number | null;
  reason: string | null;
  lastHash: string | null;
}

export interface ProjectionDigest {
  name: string;
  position: number;
  live: string;
  replayed: string;
  match: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What operators read of the log: listings, timelines, chain verification, digests, states
 * as of a position, exports and checkpoints. Every call records an `AuditRead` event first
 * (with the operator's request id as correlation id), so a read that cannot be recorded does
 * not happen. The live read models are only ever read here, never changed.
 */
export class AuditService {
  private readonly signer: ReturnType<typeof checkpointSigner> | null;

  constructor(
    private readonly deps: {
      log: EventLog;
      pool?: pg.Pool | undefined;
      readModels: ReadModels;
      signingKey?: string | undefined;
    },
  ) {
    this.signer = deps.signingKey ? checkpointSigner(deps.signingKey) : null;
  }

  /** The checkpoint key's public half (base64url), or null when checkpoints are off. */
  get publicKey(): string | null {
    return this.signer?.publicKey ?? null;
  }

  /** Appends the AuditRead event for this read. */
  async record(op: Operator, operation: string, args: Record<string, unknown>): Promise<void> {
    const event: AuditRead = {
      type: 'AuditRead',
      data: { operation, arguments: JSON.stringify(args), role: op.role },
    };
    await this.deps.log.append(
      AUDIT_READS_STREAM,
      [{ ...event, metadata: { actor: op.role, correlationId: op.requestId } }],
      { expectedVersion: 'any' },
    );
  }

  async events(op: Operator, filter: EventFilter, after: number, first: number): Promise<EventPage> {
    const limit = pageSize(first);
    await this.recordWith(op, 'auditEvents', { ...filter, after, first });
    const head = await this.deps.log.head();
    const events = this.deps.pool
      ? await listEvents(this.deps.pool, filter, after, limit)
      : await scanEvents((f, l) => this.deps.log.readAll(f, l), filter, after, limit);
    return { events, next: events.length === limit ? events[events.length - 1]!.position : null, head };
  }

  /** Every event whose audience includes `address` (its feed), after a position. */
  async timeline(op: Operator, address: string, after: number, first: number): Promise<EventPage> {
    const limit = pageSize(first);
    checkAddress(address);
    await this.recordWith(op, 'auditTimeline', { address, after, first });
    const head = await this.deps.log.head();
    await this.deps.readModels.waitFor(head);
    const positions = this.deps.readModels.feedPositions(address, after, head, limit);
    const events = await this.deps.log.readPositions(positions);
    return { events, next: events.length === limit ? events[events.length - 1]!.position : null, head };
  }

  /**
   * Recomputes the chain over (from, to]: the event at `from` is trusted (the genesis hash
   * when 0), so a range can be checked in pieces, each piece trusting the one before. With
   * no `to`, the check runs to the end and the last event must match the recorded head.
   */
  async verify(op: Operator, from: number, to: number | undefined): Promise<VerifyReport> {
    const head = await this.deps.log.head();
    if (to !== undefined && to > head)
      throw new DomainError('BAD_INPUT', `to (${to}) is past the log's end (${head})`);
    if (from > (to ?? head)) throw new DomainError('BAD_INPUT', `from (${from}) is after to (${to ?? head})`);
    await this.recordWith(op, 'auditVerifyChain', { from, to: to ?? null });
    // Without `to`, the end is the head as recorded now (this read's own event included): in
    // PostgreSQL the head row that appends update, so a deleted tail is found too.
    let anchor: { position: number; hash: string } | null = null;
    if (to === undefined && this.deps.pool) anchor = await readHead(this.deps.pool);
    const end = anchor?.position ?? to ?? (await this.deps.log.head());
    const report = (r: Partial<VerifyReport>): VerifyReport => ({
      ok: false,
      from,
      to: end,
      checked: 0,
      firstBadPosition: null,
      reason: null,
      lastHash: null,
      ...r,
    });
    const start =
      from === 0 ? { position: 0, hash: GENESIS_HASH } : await this.trusted(from).catch(() => null);
    if (!start) return report({ firstBadPosition: from, reason: `position ${from} is missing` });
    if (!anchor) {
      if (end === 0) anchor = { position: 0, hash: GENESIS_HASH };
      else if (end === from) anchor = start;
      else anchor = await this.trusted(end).catch(() => null);
    }
    if (!anchor) return report({ firstBadPosition: end, reason: `position ${end} is missing` });
    const readAll = async (f: number, limit: number) =>
      (await this.deps.log.readAll(f, Math.min(limit, end - f))).filter((e) => e.position <= end);
    const result = await verifyChain(readAll, anchor, 5000, start);
    return result.ok
      ? report({ ok: true, checked: result.count, lastHash: result.lastHash })
      : report({ checked: result.count, firstBadPosition: result.position, reason: result.reason });
  }

  private async trusted(position: number): Promise<{ position: number; hash: string }> {
    const [e] = await this.deps.log.readPositions([position]);
    if (!e) throw new Error('missing');
    return { position, hash: e.hash };
  }

  /** SHA-256 of each live read model's canonical state, beside a fresh replay to the same position. */
  async digests(op: Operator): Promise<ProjectionDigest[]> {
    await this.recordWith(op, 'auditDigests', {});
    const rm = this.deps.readModels;
    await rm.sync();
    // Read in one synchronous step: no event is folded in between.
    const position = rm.position;
    const live = rm.digests();
    const runners = projections
      .filter((p) => p.name in live)
      .map((p) => new ProjectionRunner<unknown>(p as never));
    for (let from = 0; from < position; ) {
      const page = await this.deps.log.readAll(from, Math.min(5000, position - from));
      if (page.length === 0) break;
      for (const e of page) for (const r of runners) r.apply(e);
      from = page[page.length - 1]!.position;
    }
    return runners.map((r) => {
      const name = r.projection.name;
      const a = sha256(live[name]!);
      const b = sha256(r.digest());
      return { name, position, live: a, replayed: b, match: a === b };
    });
  }

  /** A subject's state as it stood after `position`, rebuilt from the log alone. */
  async stateAt(op: Operator, subject: StateSubject, position: number): Promise<JsonValue> {
    checkSubject(subject);
    await this.checkPosition(position);
    await this.recordWith(op, 'auditStateAt', { ...subject, position });
    return stateAt(subject, await this.subjectEvents(subject, position), position);
  }

  /** What changed for an identity between two positions (its state at each, compared). */
  async diff(op: Operator, address: string, from: number, to: number): Promise<Change[]> {
    checkAddress(address);
    await this.checkPosition(Math.max(from, to));
    await this.recordWith(op, 'auditDiff', { address, from, to });
    const subject: StateSubject = { kind: 'identity', key: address };
    const events = await this.subjectEvents(subject, Math.max(from, to));
    return diffJson(stateAt(subject, events, from), stateAt(subject, events, to));
  }

  private async checkPosition(position: number): Promise<void> {
    const head = await this.deps.log.head();
    if (position > head)
      throw new DomainError('BAD_INPUT', `position ${position} is past the log's end (${head})`);
  }

  private async subjectEvents(subject: StateSubject, position: number): Promise<RecordedEvent[]> {
    const head = await this.deps.log.head();
    const streams = new Set(streamsOf(subject));
    if (subject.kind === 'identity') {
      await this.deps.readModels.waitFor(head);
      const positions = this.deps.readModels.feedPositions(subject.key, 0, position, Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < positions.length; i += 1000) {
        for (const s of timelineStreams(await this.deps.log.readPositions(positions.slice(i, i + 1000))))
          streams.add(s);
      }
    }
    const byPosition = new Map<number, RecordedEvent>();
    for (const s of streams) {
      for (const e of await this.deps.log.readStream(s))
        if (e.position <= position) byPosition.set(e.position, e);
    }
    return [...byPosition.values()].sort((a, b) => a.position - b.position);
  }

  /** Signs the chain head and records it as a `ChainCheckpointed` event (admin only). */
  async checkpoint(op: Operator): Promise<Checkpoint & { recordedAt: number }> {
    if (op.role !== 'admin') throw new DomainError('FORBIDDEN', 'checkpoints need the admin token');
    if (!this.signer) throw new DomainError('CONFLICT', 'checkpoints are off: set AUDIT_SIGNING_KEY');
    await this.recordWith(op, 'checkpoint', {});
    const head = await this.deps.log.head();
    const [last] = head === 0 ? [] : await this.deps.log.readPositions([head]);
    const c = this.signer.sign(head, last?.hash ?? GENESIS_HASH);
    const event: ChainCheckpointed = { type: 'ChainCheckpointed', data: { ...c } };
    const r = await this.deps.log.append(
      CHECKPOINTS_STREAM,
      [{ ...event, metadata: { actor: op.role, correlationId: op.requestId } }],
      { expectedVersion: 'any' },
    );
    return { ...c, recordedAt: r.lastPosition };
  }

  /** The last recorded checkpoint, or null. */
  async latestCheckpoint(op: Operator): Promise<(Checkpoint & { recordedAt: number }) | null> {
    await this.recordWith(op, 'latestCheckpoint', {});
    const events = await this.deps.log.readStream(CHECKPOINTS_STREAM);
    const last = events[events.length - 1] as
      | RecordedEvent<'ChainCheckpointed', ChainCheckpointed['data']>
      | undefined;
    return last ? { ...last.data, recordedAt: last.position } : null;
  }

  /** The export's rows over (from, to], optionally one stream only, page by page. */
  async *exportRows(
    op: Operator,
    range: { from: number; to: number | undefined; stream: string | undefined },
  ): AsyncGenerator<RecordedEvent[]> {
    const head = await this.deps.log.head();
    const end = Math.min(range.to ?? head, head);
    await this.recordWith(op, 'export', { ...range });
    const filter: EventFilter = { to: end, streamId: range.stream };
    for (let after = range.from; after < end; ) {
      const page = this.deps.pool
        ? await listEvents(this.deps.pool, filter, after, 2000)
        : await scanEvents((f, l) => this.deps.log.readAll(f, l), filter, after, 2000);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]!.position;
    }
  }

  private recordWith(op: Operator, operation: string, args: Record<string, unknown>) {
    return this.record(op, operation, args).then(() => undefined);
  }
}

function pageSize(first: number): number {
  if (!Number.isSafeInteger(first) || first < 1 || first > AUDIT_PAGE_MAX)
    throw new DomainError('BAD_INPUT', `first must be from 1 to ${AUDIT_PAGE_MAX}`);
  return first;
}

function checkAddress(address: string): void {
  const problem = addressProblem(address);
  if (problem) throw new DomainError('ADDRESS_INVALID', problem);
}

function checkSubject(s: StateSubject): void {
  if (s.kind === 'call') {
    if (!s.key || s.key.length > 200) throw new DomainError('BAD_INPUT', 'a call id is 1 to 200 characters');
    return;
  }
  checkAddress(s.key);
  if (s.kind === 'conversation') {
    if (!s.peer) throw new DomainError('BAD_INPUT', 'a conversation needs peer: the other address');
    checkAddress(s.peer);
  }
}
