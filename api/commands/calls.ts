import { type CallCommand, callDecider, type PlaceOutcome } from '../../events/calls/decide.ts';
import type { EndReason, SignalKind } from '../../events/calls/events.ts';
import { callStream } from '../../events/calls/events.ts';
import { type CallView, liveCallOf } from '../../events/calls/projection.ts';
import { CALL_TOKEN, nonceKey } from '../../events/calls/token.ts';
import { bookOf } from '../../events/contacts/projection.ts';
import { ed25519PublicKey, verifyEd25519 } from '../../events/identity/keys.ts';
import { planDecider } from '../../events/plans/decide.ts';
import { type Plan, planStream } from '../../events/plans/events.ts';
import { handleCommand } from '../../events/shared/decider.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { StoreUnavailableError } from '../../events/store/errors.ts';
import type { EventLog, EventMetadata, JsonObject, RecordedEvent } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import { fromBase64url } from '../../protocol/base64url.ts';
import { type CallTokenFields, callTokenMessage } from '../../protocol/call-token.ts';
import { isLowerCaseUuid } from '../../protocol/uuid.ts';
import type { OneTimeStore } from '../auth/one-time.ts';
import type { Config } from '../config.ts';
import { type IceServer, iceServersFor } from '../ice/servers.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from './identity.ts';

/** A call token: the signed fields and the caller's signature over them. */
export interface PlaceCallInput extends CallTokenFields {
  signature: string;
}

/**
 * Calls: signed call tokens, the lifecycle, signaling, ring timeouts (which survive a
 * restart: every node re-arms them from the read model), plans and ICE servers.
 */
export class CallCommands {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private detach: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly deps: {
      log: EventLog;
      readModels: ReadModels;
      oneTime: OneTimeStore;
      config: Config;
      now: () => Date;
      ringTimeoutMs: number;
      onError: (e: unknown) => void;
    },
  ) {}

  private get state() {
    return this.deps.readModels.calls.state;
  }

  private async run(callId: string, command: CallCommand, actor: string, m: EventMetadata) {
    const { append } = await handleCommand(this.deps.log, callStream(callId), callDecider, command, {
      ...m,
      actor,
    });
    if (append) await this.deps.readModels.waitFor(append.lastPosition);
  }

  call(callId: string): CallView | undefined {
    return this.state.byId.get(String(callId).toLowerCase());
  }

  /** A call the viewer takes part in (a silent call does not exist for its callee). */
  private mine(viewer: Viewer, callId: string): CallView {
    const c = this.call(callId);
    if (!c || !(c.caller === viewer.address || (c.callee === viewer.address && !c.silent))) {
      throw new DomainError('NOT_FOUND', 'no such call');
    }
    return c;
  }

  async place(viewer: Viewer, input: PlaceCallInput, m: EventMetadata): Promise<CallView> {
    // Signed fields are taken byte for byte or refused, never normalised after signing: the
    // callee checks the signature over exactly what it receives (issue 8, point 8).
    const callId = input.callId;
    if (!isLowerCaseUuid(callId)) {
      throw new DomainError('BAD_INPUT', 'callId is a UUID made by the caller, in lower case');
    }
    if (input.media !== 'audio' && input.media !== 'video')
      throw new DomainError('BAD_INPUT', 'media is audio or video');
    const problem = addressProblem(input.to);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    if (input.from !== viewer.address)
      throw new DomainError('FORBIDDEN', 'the call token is not from your identity');
    const nonce = fromBase64url(input.nonce);
    if (!nonce || nonce.length < 16 || nonce.length > 64)
      throw new DomainError('BAD_INPUT', 'nonce is 16 to 64 random bytes, base64url');
    if (!Number.isSafeInteger(input.issuedAt))
      throw new DomainError('BAD_INPUT', 'issuedAt is milliseconds since the epoch');
    const identities = this.deps.readModels.directory.state.identities;
    const key = ed25519PublicKey(identities.get(viewer.address)?.publicKey);
    if (!key || !verifyEd25519(key, callTokenMessage(input), input.signature)) {
      throw new DomainError('SIGNATURE_INVALID', 'the call token signature does not verify');
    }
    const now = this.deps.now().getTime();
    if (now - input.issuedAt > CALL_TOKEN.validityMs || input.issuedAt - now > CALL_TOKEN.skewMs) {
      throw new DomainError(
        'TOKEN_EXPIRED',
        'the call token has expired (or is from the future): make a new one',
      );
    }
    if (!identities.has(input.to)) {
      await this.deps.readModels.sync();
      if (!this.deps.readModels.directory.state.identities.has(input.to)) {
        throw new DomainError('NOT_FOUND', 'no identity has this address');
      }
    }
    if (this.call(callId)) throw new DomainError('CONFLICT', 'a call with this id exists');
    // Single use in every mode: the nonce is remembered until the token could no longer pass.
    const claimed = await this.deps.oneTime.claim(
      nonceKey(viewer.address, input.nonce),
      new Date(input.issuedAt + CALL_TOKEN.validityMs + CALL_TOKEN.skewMs),
    );
    if (!claimed) throw new DomainError('TOKEN_REPLAYED', 'this call token was already used');

    await this.run(
      callId,
      {
        type: 'PlaceCall',
        callId,
        caller: viewer.address,
        callee: input.to,
        media: input.media,
        issuedAt: input.issuedAt,
        nonce: input.nonce,
        signature: input.signature,
        ringTimeoutAt: now + this.deps.ringTimeoutMs,
        outcome: this.outcome(viewer.address, input.to, callId),
      },
      viewer.address,
      m,
    );
    return this.resolveGlare(this.call(callId)!, m);
  }

  /** What the callee's settings and state make of this call. */
  private outcome(caller: string, callee: string, callId: string): PlaceOutcome {
    const book = bookOf(this.deps.readModels.addressBooks.state, callee);
    if (book.blocked.has(caller)) return 'silent';
    const contact = book.contacts.get(caller);
    if (book.doNotDisturb && !contact?.alwaysAllowed) return 'do_not_disturb';
    if (!contact && book.nonContactCalls === 'silence') return 'non_contact_silenced';
    const other = liveCallOf(this.state, callee, callId);
    // A call from the callee to this caller is glare, resolved after placing; anything else: busy.
    if (other && !(other.caller === callee && other.callee === caller && other.status !== 'accepted'))
      return 'busy';
    return 'ring';
  }

  /**
   * Glare: A calls B while B calls A. Whichever placement is later in the log sees both and
   * cancels the call with the higher id, so exactly one call goes on (as in Matrix VoIP).
   */
  private async resolveGlare(mine: CallView, m: EventMetadata): Promise<CallView> {
    if (mine.status !== 'placed' || mine.silent) return mine;
    const reverse = [...this.state.live.values()].find(
      (c) => c.caller === mine.callee && c.callee === mine.caller && !c.silent && c.status !== 'accepted',
    );
    if (!reverse) return mine;
    const [winner, loser] = reverse.callId < mine.callId ? [reverse, mine] : [mine, reverse];
    await this.run(loser.callId, { type: 'Cancel', by: loser.caller, reason: 'glare' }, 'system', m);
    return winner;
  }

  async ringing(viewer: Viewer, callId: string, m: EventMetadata) {
    const c = this.mine(viewer, callId);
    await this.run(
      c.callId,
      { type: 'MarkRinging', by: viewer.address, sessionId: viewer.sessionId },
      viewer.address,
      m,
    );
    return c;
  }

  async answer(viewer: Viewer, callId: string, accept: boolean, m: EventMetadata) {
    const c = this.mine(viewer, callId);
    const command: CallCommand = accept
      ? { type: 'Accept', by: viewer.address, sessionId: viewer.sessionId, now: this.deps.now().getTime() }
      : { type: 'Decline', by: viewer.address, sessionId: viewer.sessionId };
    await this.run(c.callId, command, viewer.address, m);
    return c;
  }

  async hangup(viewer: Viewer, callId: string, reason: EndReason, m: EventMetadata) {
    const c = this.mine(viewer, callId);
    await this.run(
      c.callId,
      {
        type: 'Hangup',
        by: viewer.address,
        sessionId: viewer.sessionId,
        reason,
        now: this.deps.now().getTime(),
      },
      viewer.address,
      m,
    );
    return c;
  }

  /**
   * Signals change no call state: decide on the read model's view of the call and append
   * without a version check, so the two sides' candidates never conflict with each other and
   * no signal re-reads (and re-folds) the call's whole stream. A signal racing a hang-up may
   * land just after the end; clients ignore signals for ended calls.
   */
  async signal(viewer: Viewer, callId: string, kind: SignalKind, payload: string, m: EventMetadata) {
    const c = this.mine(viewer, callId);
    const state = {
      status: c.status,
      caller: c.caller,
      callee: c.callee,
      silent: c.silent,
      ringTimeoutAt: c.ringTimeoutAt,
      acceptedAt: c.acceptedAt ?? 0,
      acceptedSession: c.acceptedSession ?? '',
    };
    const events = callDecider.decide({ type: 'SendSignal', from: viewer.address, kind, payload }, state);
    const metadata = { ...m, actor: viewer.address };
    const append = await this.deps.log.append(
      callStream(c.callId),
      events.map((e) => ({ type: e.type, data: e.data as unknown as JsonObject, metadata })),
      { expectedVersion: 'any' },
    );
    await this.deps.readModels.waitFor(append.lastPosition);
    return true;
  }

  history(
    viewer: Viewer,
    before: number | null | undefined,
    last: number,
  ): { calls: CallView[]; hasMore: boolean } {
    if (!Number.isInteger(last) || last < 1 || last > 200)
      throw new DomainError('BAD_INPUT', 'last must be 1 to 200');
    const all = this.state.history.get(viewer.address) ?? [];
    let end = all.length;
    if (before != null) {
      end = all.findIndex((c) => c.placedAt >= before);
      if (end < 0) end = all.length;
    }
    const start = Math.max(0, end - last);
    return { calls: all.slice(start, end).reverse(), hasMore: start > 0 };
  }

  plan(address: string): Plan {
    return this.deps.readModels.plans.state.get(address) ?? 'FREE';
  }

  iceServers(viewer: Viewer): IceServer[] {
    return iceServersFor(
      this.deps.config,
      this.plan(viewer.address),
      viewer.address,
      this.deps.now().getTime(),
    );
  }

  async setPlan(address: string, plan: Plan, m: EventMetadata): Promise<Plan> {
    const problem = addressProblem(address);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    const exists = this.deps.readModels.directory.state.identities.has(address);
    const { append } = await handleCommand(
      this.deps.log,
      planStream(address),
      planDecider,
      { type: 'ChangePlan', plan, exists },
      {
        ...m,
        actor: 'admin',
      },
    );
    if (append) await this.deps.readModels.waitFor(append.lastPosition);
    return this.plan(address);
  }

  /** Arms a ring timeout for every ringing call (at start: also those due while the server was down). */
  start(): void {
    for (const c of this.state.live.values()) this.arm(c);
    this.detach = this.deps.readModels.onEvent((e: RecordedEvent) => {
      if (e.type === 'CallPlaced') {
        const c = this.call(String(e.data.callId));
        if (c) this.arm(c);
      }
    });
  }

  private arm(c: CallView, atLeastMs = 0): void {
    if (c.status !== 'placed' && c.status !== 'ringing') return;
    if (this.timers.has(c.callId)) return;
    const delay = Math.max(atLeastMs, c.ringTimeoutAt - this.deps.now().getTime());
    const timer = setTimeout(() => {
      this.timers.delete(c.callId);
      this.run(
        c.callId,
        { type: 'TimeOut', now: Math.max(this.deps.now().getTime(), c.ringTimeoutAt) },
        'system',
        {},
      ).catch((error: unknown) => {
        this.deps.onError(error);
        // The store is down: try again shortly, or the call would ring until a restart.
        if (error instanceof StoreUnavailableError && !this.stopped) {
          this.arm(c, Math.min(30_000, Math.max(1000, atLeastMs * 2)));
        }
      });
    }, delay);
    timer.unref();
    this.timers.set(c.callId, timer);
  }

  stop(): void {
    this.stopped = true;
    this.detach?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
