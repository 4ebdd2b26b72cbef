import { type ExistingEvent, planAppend } from './append-plan.ts';
import { EventLogClosedError } from './errors.ts';
import { chainHash, GENESIS_HASH } from './hash.ts';
import { LiveTail } from './tail.ts';
import type {
  AppendOptions,
  AppendResult,
  EventLog,
  EventSubscription,
  NewEvent,
  RecordedEvent,
  SubscribeOptions,
  VerifyResult,
} from './types.ts';
import { validateAppend } from './validation.ts';
import { verifyChain } from './verify.ts';

export interface InMemoryEventLogOptions {
  now?: () => Date;
}

/**
 * The embedded log (demo mode): same contract as PostgreSQL, no durability. Appends are
 * synchronous inside one tick, so they are atomic and totally ordered by construction.
 */
export class InMemoryEventLog implements EventLog {
  readonly kind = 'memory';
  private readonly events: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly ids = new Map<string, ExistingEvent>();
  private lastHash = GENESIS_HASH;
  private readonly tail: LiveTail;
  private closed = false;
  private readonly now: () => Date;

  constructor(options: InMemoryEventLogOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.tail = new LiveTail(
      { readAll: (from, limit) => this.readAll(from, limit), head: () => this.head() },
      { windowSize: 0 },
    );
  }

  async append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new EventLogClosedError();
    const valid = validateAppend(streamId, events, options);
    const stream = this.streams.get(valid.streamId);
    const plan = planAppend(valid, stream?.length ?? 0, (id) => this.ids.get(id));
    if (plan.kind === 'done') return plan.result;
    const time = this.now();
    const recorded = valid.events.map((e, i): RecordedEvent => {
      const event: RecordedEvent = {
        position: this.events.length + 1 + i,
        streamId: valid.streamId,
        streamVersion: plan.fromVersion + 1 + i,
        id: e.id,
        type: e.type,
        // Stored as a copy, as PostgreSQL would: a caller mutating its object later changes nothing.
        data: cloneJson(e.data),
        metadata: cloneJson(e.metadata),
        time,
        hash: '',
      };
      event.hash = chainHash(this.lastHash, event);
      this.lastHash = event.hash;
      return Object.freeze(event);
    });
    for (const r of recorded) {
      this.events.push(r);
      this.ids.set(r.id, r);
    }
    if (stream) stream.push(...recorded);
    else this.streams.set(valid.streamId, recorded);
    const last = recorded[recorded.length - 1]!;
    this.tail.advance(last.position);
    return {
      streamVersion: last.streamVersion,
      firstPosition: recorded[0]!.position,
      lastPosition: last.position,
      appended: true,
    };
  }

  async readStream(streamId: string, fromVersion = 0): Promise<RecordedEvent[]> {
    return (this.streams.get(streamId) ?? []).slice(Math.max(0, fromVersion));
  }

  async readAll(fromPosition: number, limit: number): Promise<RecordedEvent[]> {
    return this.events.slice(Math.max(0, fromPosition), Math.max(0, fromPosition) + limit);
  }

  async readPositions(positions: number[]): Promise<RecordedEvent[]> {
    return positions.map((p) => this.events[p - 1]).filter((e): e is RecordedEvent => e !== undefined);
  }

  async head(): Promise<number> {
    return this.events.length;
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new EventLogClosedError();
    return this.tail.subscribe(options.from ?? 0, options.signal);
  }

  async verify(): Promise<VerifyResult> {
    return verifyChain((from, limit) => this.readAll(from, limit), {
      position: this.events.length,
      hash: this.lastHash,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tail.close();
  }

  /** Test seam: lets the contract suite tamper with a recorded event as an attacker with disk access would. */
  unsafeRows(): RecordedEvent[] {
    return this.events;
  }
}

/**
 * A deep copy of a validated JSON value, as `structuredClone` would make it (holes and
 * undefined-valued keys kept, a `__proto__` key kept as an own key) but several times faster
 * for the small objects events carry. Validation has already refused anything that is not
 * plain JSON data (and bounded the depth).
 */
function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const copy = (Array.isArray(value) ? new Array<unknown>(value.length) : {}) as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const item = cloneJson(source[key]);
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}
