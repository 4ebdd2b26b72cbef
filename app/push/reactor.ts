import { type Classified, classify } from '../../events/catalog.ts';
import type { PushSubscriptionData } from '../../events/push/events.ts';
import type { EventLog } from '../../events/store/types.ts';
import type { CallQueries } from '../calls/queries.ts';
import type { ContactQueries } from '../contacts/queries.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { ReadModels } from '../read-models.ts';
import type { PushLedger } from './ledger.ts';
import { type PushPayload, topicOf, truncateBody } from './payload.ts';
import type { Presence } from './presence.ts';
import type { PushQueries } from './queries.ts';
import type { PushJob, PushSender } from './sender.ts';

/** A notification to send, before it is addressed to each device. */
interface Notice {
  recipient: string;
  payload: (device: PushSubscriptionData) => PushPayload;
  ttlSeconds: number;
  urgency: 'high' | 'normal';
  topic: string;
  deadline: number;
}

const CURSOR_FLUSH_MS = 1000;
const CLAIM_RETENTION_MS = 24 * 3600 * 1000;
const PAGE = 500;

/**
 * A reactor following the log: a new message, message request or incoming call (and a call
 * that stopped ringing unanswered) for an identity with no live feed on any node becomes a
 * push to each of its devices. Each event is claimed in the shared ledger before anything is
 * sent, so two nodes, or a node re-reading after a restart, never send it twice; the shared
 * cursor tells a restarted node where to resume. A claim taken by a node that then crashes
 * before sending loses that notification: at most once, never twice (docs/decisions.md).
 * Sending is the sender's bounded queue: nothing here waits for a push service.
 */
export class PushReactor {
  private pending: Classified[] = [];
  private wake: (() => void) | null = null;
  private detach: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private processed = 0;
  private flushed = 0;
  private flusher: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      log: EventLog;
      readModels: ReadModels;
      identity: IdentityQueries;
      contacts: ContactQueries;
      calls: CallQueries;
      push: PushQueries;
      presence: Presence;
      ledger: PushLedger;
      sender: PushSender;
      messageTtlSeconds: number;
      now: () => Date;
      onError: (e: unknown) => void;
    },
  ) {}

  /** Resumes after the shared cursor (the read models' position on the very first start). */
  async start(): Promise<void> {
    const { ledger, readModels } = this.deps;
    const cursor = await ledger.cursor();
    const upTo = readModels.position;
    const from = Math.min(cursor ?? upTo, upTo);
    if (cursor === null) await ledger.advance(upTo);
    this.processed = this.flushed = from;
    this.detach = readModels.onEvent((c) => {
      this.pending.push(c);
      this.wake?.();
    });
    this.running = (async () => {
      await this.catchUp(from, upTo);
      await this.loop();
    })().catch(this.deps.onError);
    this.flusher = setInterval(() => this.flush().catch(this.deps.onError), CURSOR_FLUSH_MS);
    this.flusher.unref();
  }

  /** Events after the cursor that this node's read models took before the reactor started. */
  private async catchUp(from: number, upTo: number): Promise<void> {
    let position = from;
    while (!this.stopped && position < upTo) {
      const events = await this.deps.log.readAll(position, Math.min(PAGE, upTo - position));
      if (events.length === 0) break;
      for (const e of events) {
        await this.handle(classify(e));
        position = e.position;
      }
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const next = this.pending.shift();
      if (!next) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
        continue;
      }
      if (next.recorded.position <= this.processed) continue;
      await this.handle(next);
    }
  }

  private async handle(c: Classified): Promise<void> {
    try {
      // Most events notify nobody with a device: find that out before building a notice
      // (names, topic hash, call state) on the event loop that serves requests.
      const recipient = recipientOf(c);
      const devices = recipient ? this.deps.push.devices(recipient) : [];
      const notice = devices.length > 0 ? this.noticeOf(c) : null;
      if (notice) await this.deliver(c.recorded.position, notice, devices);
    } catch (error) {
      // A store outage loses this notification (at most once), never the reactor.
      this.deps.onError(error);
    }
    this.processed = c.recorded.position;
  }

  private async deliver(position: number, notice: Notice, devices: PushSubscriptionData[]): Promise<void> {
    if (await this.deps.presence.isOnline(notice.recipient)) return;
    if (!(await this.deps.ledger.claim(position))) return;
    for (const device of devices) {
      const job: PushJob = {
        target: { address: notice.recipient, ...device },
        payload: JSON.stringify(notice.payload(device)),
        ttlSeconds: notice.ttlSeconds,
        urgency: notice.urgency,
        topic: notice.topic,
        deadline: notice.deadline,
      };
      if (!this.deps.sender.enqueue(job))
        this.deps.onError(new Error('push queue full: notification dropped'));
    }
  }

  /** The name `recipient` knows `other` by: their nickname, else the display name. */
  private nameOf(recipient: string, other: string): string {
    return (
      this.deps.contacts.nicknameOf(recipient, other) ?? this.deps.identity.known(other)?.displayName ?? other
    );
  }

  private noticeOf(c: Classified): Notice | null {
    const now = this.deps.now().getTime();
    const at = c.recorded.time.getTime();
    const position = c.recorded.position;
    if (c.domain === 'messages' && c.event.type === 'MessageSent') {
      const { from, to, messageId, body, withheld } = c.event.data;
      const ttlSeconds = this.deps.messageTtlSeconds;
      if (withheld || from === to || now - at > ttlSeconds * 1000) return null;
      const kind = this.deps.contacts.isRequest(to, from) ? 'message-request' : 'message';
      const fromName = this.nameOf(to, from);
      return {
        recipient: to,
        payload: (device) => ({
          v: 1,
          kind,
          from,
          fromName,
          conversation: from,
          messageId,
          position,
          at,
          ...(device.includeBody ? { body: truncateBody(body) } : {}),
        }),
        ttlSeconds,
        urgency: 'normal',
        topic: topicOf('conversation', to, from),
        deadline: at + ttlSeconds * 1000,
      };
    }
    if (c.domain !== 'calls') return null;
    const e = c.event;
    if (e.data.silent) return null;
    const call = this.deps.calls.call(c.callId);
    if (!call) return null;
    const { caller, callee } = e.data;
    const fromName = this.nameOf(callee, caller);
    if (e.type === 'CallPlaced') {
      // Still ringing now? (A do-not-disturb call is missed at once, in the same append.)
      if (call.status !== 'placed' && call.status !== 'ringing') return null;
      const ttlSeconds = Math.floor((call.ringTimeoutAt - now) / 1000);
      if (ttlSeconds <= 0) return null;
      return {
        recipient: callee,
        payload: () => ({
          v: 1,
          kind: 'call',
          from: caller,
          fromName,
          callId: c.callId,
          media: call.media,
          position,
          at,
          ringsUntil: call.ringTimeoutAt,
        }),
        ttlSeconds,
        urgency: 'high',
        topic: topicOf('call', callee, c.callId),
        deadline: call.ringTimeoutAt,
      };
    }
    const outcome =
      e.type === 'CallMissed' && e.data.reason === 'timeout'
        ? 'missed'
        : e.type === 'CallCancelled' && e.data.reason === 'caller'
          ? 'cancelled'
          : null;
    if (!outcome || now - at > this.deps.messageTtlSeconds * 1000) return null;
    return {
      recipient: callee,
      payload: () => ({
        v: 1,
        kind: 'call-ended',
        from: caller,
        fromName,
        callId: c.callId,
        outcome,
        position,
        at,
      }),
      ttlSeconds: this.deps.messageTtlSeconds,
      urgency: 'normal',
      // Same topic as the ringing push: an undelivered "incoming call" is replaced by this.
      topic: topicOf('call', callee, c.callId),
      deadline: at + this.deps.messageTtlSeconds * 1000,
    };
  }

  private async flush(): Promise<void> {
    if (this.processed <= this.flushed) return;
    const position = this.processed;
    await this.deps.ledger.advance(position);
    this.flushed = position;
    await this.deps.ledger.forget(new Date(this.deps.now().getTime() - CLAIM_RETENTION_MS));
  }

  /** Stops following the log, lets queued notifications go out (up to `graceMs`), saves the cursor. */
  async stop(graceMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.detach?.();
    if (this.flusher) clearInterval(this.flusher);
    this.wake?.();
    await this.running;
    await this.deps.sender.idle(graceMs);
    await this.deps.sender.stop();
    await this.flush().catch(this.deps.onError);
  }
}

/** Who an event could notify (before asking whether it does), or null. */
function recipientOf(c: Classified): string | null {
  if (c.domain === 'messages')
    return c.event.type === 'MessageSent' && c.event.data.from !== c.event.data.to ? c.event.data.to : null;
  if (c.domain === 'calls') return c.event.data.callee;
  return null;
}
