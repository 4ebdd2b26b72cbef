import {
  type CallCommand,
  type CalleeSituation,
  type CallState,
  callDecider,
} from '../../events/calls/decide.ts';
import type { EndReason, SignalKind } from '../../events/calls/events.ts';
import { callStream } from '../../events/calls/events.ts';
import type { CallView } from '../../events/calls/projection.ts';
import type { CallQuality } from '../../events/calls/quality.ts';
import { CALL_TOKEN, nonceKey } from '../../events/calls/token.ts';
import { ed25519PublicKey, verifyEd25519 } from '../../events/identity/keys.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import { fromBase64url } from '../../protocol/base64url.ts';
import { type CallTokenFields, callTokenMessage } from '../../protocol/call-token.ts';
import { isLowerCaseUuid } from '../../protocol/uuid.ts';
import type { ContactQueries } from '../contacts/queries.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { OneTimeStore } from '../one-time.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { handle } from '../write.ts';
import type { CallQueries } from './queries.ts';

/** A call token: the signed fields and the caller's signature over them. */
export interface PlaceCallInput extends CallTokenFields {
  signature: string;
}

/**
 * Calls: signed call tokens, the lifecycle, signaling, ring timeouts (which survive a
 * restart: every node re-arms them from the read model), plans and ICE servers.
 */
export class CallCommands {
  constructor(
    private readonly deps: {
      log: EventLog;
      readModels: ReadModels;
      queries: { calls: CallQueries; contacts: ContactQueries; identity: IdentityQueries };
      oneTime: OneTimeStore;
      now: () => Date;
      ringTimeoutMs: number;
    },
  ) {}

  private get calls() {
    return this.deps.queries.calls;
  }

  private async run(callId: string, command: CallCommand, actor: string, m: EventMetadata) {
    await handle(this.deps, { stream: callStream(callId), decider: callDecider, strategy: 'fold' }, command, {
      ...m,
      actor,
    });
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
    const key = ed25519PublicKey(this.deps.queries.identity.known(viewer.address)?.publicKey);
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
    if (!(await this.deps.queries.identity.exists(input.to))) {
      throw new DomainError('NOT_FOUND', 'no identity has this address');
    }
    if (this.calls.call(callId)) throw new DomainError('CONFLICT', 'a call with this id exists');
    // The decider refuses this too, but only after the nonce is claimed: checked here first so
    // that a refused token is not spent.
    if (input.to === viewer.address) throw new DomainError('BAD_INPUT', 'you cannot call yourself');
    // Single use in every mode: the nonce is remembered until the token could no longer pass.
    const nonceAt = nonceKey(viewer.address, input.nonce);
    const claimed = await this.deps.oneTime.claim(
      nonceAt,
      new Date(input.issuedAt + CALL_TOKEN.validityMs + CALL_TOKEN.skewMs),
    );
    if (!claimed) throw new DomainError('TOKEN_REPLAYED', 'this call token was already used');

    await this.placeClaimed(
      nonceAt,
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
        situation: this.situation(viewer.address, input.to, callId),
      },
      viewer.address,
      m,
    );
    return this.resolveGlare(await this.resolveBusy(this.calls.call(callId)!, m), m);
  }

  /**
   * The callee's situation was read before appending, and two call streams never conflict,
   * so two placements at once (on one node with PostgreSQL, or on two nodes) can each miss the
   * other. Once this placement is in the read models, every earlier placement is too (the log
   * is read in order): if the callee already has an earlier live call, this one is busy, as if
   * it had seen that call when placed. Only the later call yields, so the outcome is the same
   * whichever node or timing; the earlier call never looks at later ones.
   */
  private async resolveBusy(mine: CallView, m: EventMetadata): Promise<CallView> {
    if (mine.status !== 'placed' || mine.silent) return mine;
    const earlier = [...this.calls.live()].find(
      (c) =>
        c.callId !== mine.callId &&
        !c.silent &&
        c.position < mine.position &&
        (c.caller === mine.callee || c.callee === mine.callee) &&
        // Glare (the callee's unanswered call to this caller) is resolveGlare's to settle.
        !(c.caller === mine.callee && c.callee === mine.caller && c.status !== 'accepted'),
    );
    if (!earlier) return mine;
    await this.run(mine.callId, { type: 'MarkBusy' }, 'system', m);
    return this.calls.call(mine.callId)!;
  }

  /**
   * Appends the placement whose nonce was just claimed. A refusal (the decider said no, so
   * nothing was appended) gives the nonce back: the token was not used. Any other failure
   * keeps it spent, since the call may have been recorded (an append whose outcome is unknown).
   */
  private async placeClaimed(nonceAt: string, ...args: Parameters<CallCommands['run']>): Promise<void> {
    try {
      await this.run(...args);
    } catch (error) {
      if (error instanceof DomainError) await this.deps.oneTime.consume(nonceAt, this.deps.now());
      throw error;
    }
  }

  /** The callee's side of this call, read from the read models; the decider takes the outcome. */
  private situation(caller: string, callee: string, callId: string): CalleeSituation {
    const book = this.deps.queries.contacts.book(callee);
    const contact = book.contacts.get(caller);
    const other = this.calls.liveCallOf(callee, callId);
    return {
      blocked: book.blocked.has(caller),
      doNotDisturb: book.doNotDisturb,
      contact: contact ? { alwaysAllowed: contact.alwaysAllowed } : null,
      nonContactCalls: book.nonContactCalls,
      otherCall: other ? { caller: other.caller, callee: other.callee, status: other.status } : null,
    };
  }

  /**
   * Glare: A calls B while B calls A. Whichever placement is later in the log sees both and
   * cancels the call with the higher id, so exactly one call goes on (as in Matrix VoIP).
   */
  private async resolveGlare(mine: CallView, m: EventMetadata): Promise<CallView> {
    if (mine.status !== 'placed' || mine.silent) return mine;
    const reverse = [...this.calls.live()].find(
      (c) => c.caller === mine.callee && c.callee === mine.caller && !c.silent && c.status !== 'accepted',
    );
    if (!reverse) return mine;
    const [winner, loser] = reverse.callId < mine.callId ? [reverse, mine] : [mine, reverse];
    await this.run(loser.callId, { type: 'Cancel', by: loser.caller, reason: 'glare' }, 'system', m);
    return winner;
  }

  async ringing(viewer: Viewer, callId: string, m: EventMetadata) {
    const c = this.calls.mine(viewer, callId);
    await this.run(
      c.callId,
      { type: 'MarkRinging', by: viewer.address, sessionId: viewer.sessionId },
      viewer.address,
      m,
    );
    return c;
  }

  async answer(viewer: Viewer, callId: string, accept: boolean, m: EventMetadata) {
    const c = this.calls.mine(viewer, callId);
    const command: CallCommand = accept
      ? { type: 'Accept', by: viewer.address, sessionId: viewer.sessionId, now: this.deps.now().getTime() }
      : { type: 'Decline', by: viewer.address, sessionId: viewer.sessionId };
    await this.run(c.callId, command, viewer.address, m);
    return c;
  }

  async hangup(viewer: Viewer, callId: string, reason: EndReason, m: EventMetadata) {
    const c = this.calls.mine(viewer, callId);
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
   * A participant's quality summary of the call that just ended (docs/protocol.md, "Call
   * quality"): once per participant, the callee's from the device that answered; a second is
   * refused (CONFLICT) rather than taken again, so a report is never silently replaced.
   */
  async reportQuality(viewer: Viewer, callId: string, quality: CallQuality, m: EventMetadata) {
    const c = this.calls.mine(viewer, callId);
    await this.run(
      c.callId,
      { type: 'ReportQuality', by: viewer.address, sessionId: viewer.sessionId, quality },
      viewer.address,
      m,
    );
    return this.calls.call(c.callId)!;
  }

  /**
   * Signals change no call state: decide on the read model's view of the call and append
   * without a version check, so the two sides' candidates never conflict with each other and
   * no signal re-reads (and re-folds) the call's whole stream. A signal racing a hang-up may
   * land just after the end; clients ignore signals for ended calls.
   */
  async signal(viewer: Viewer, callId: string, kind: SignalKind, payload: string, m: EventMetadata) {
    const c = this.calls.mine(viewer, callId);
    const signalled: CallState = {
      status: c.status,
      caller: c.caller,
      callee: c.callee,
      silent: c.silent,
      ringTimeoutAt: c.ringTimeoutAt,
      acceptedAt: c.acceptedAt ?? 0,
      acceptedSession: c.acceptedSession ?? '',
      reported: { caller: c.quality.caller !== null, callee: c.quality.callee !== null },
    };
    await handle(
      this.deps,
      {
        stream: callStream(c.callId),
        decider: callDecider,
        strategy: 'read-model',
        reader: { name: 'calls', read: () => signalled },
      },
      { type: 'SendSignal', from: viewer.address, kind, payload },
      { ...m, actor: viewer.address },
    );
    return true;
  }
}
