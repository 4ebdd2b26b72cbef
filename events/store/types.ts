/** A JSON value as stored in an event's data or metadata. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Who and what caused an event. `actor` is the identity (or `system`/`admin`) acting;
 * `correlationId` ties together everything one request caused; `causationId` is the id of
 * the command or event that directly caused this one.
 */
export interface EventMetadata {
  actor?: string;
  correlationId?: string;
  causationId?: string;
  [key: string]: JsonValue | undefined;
}

/** An event to append. `id` makes the append idempotent; it is generated when absent. */
export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id?: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/** An event as the log holds it: the past-tense fact plus where and when it was recorded. */
export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  /** Global position: 1, 2, 3, … without gaps, in commit order. */
  position: number;
  streamId: string;
  /** Version of the stream after this event: the stream's first event has version 1. */
  streamVersion: number;
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  time: Date;
  /** Hex SHA-256 chaining this event to the one before it in global order. */
  hash: string;
}

/**
 * `'any'`: no check. A number: the stream must be at exactly that version (0 = the stream
 * does not exist yet).
 */
export type ExpectedVersion = number | 'any';

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's version after the append. */
  streamVersion: number;
  firstPosition: number;
  lastPosition: number;
  /** False when every event id was already in the log (a retried append): nothing was written. */
  appended: boolean;
}

export type VerifyResult =
  | { ok: true; count: number; lastPosition: number; lastHash: string }
  | { ok: false; count: number; position: number; reason: string };

export interface SubscribeOptions {
  /** Deliver events after this position (0 = from the beginning). */
  from?: number;
  signal?: AbortSignal;
}

/** A catch-up-then-live subscription. Pull-based: nothing is buffered beyond one page. */
export interface EventSubscription extends AsyncIterableIterator<RecordedEvent> {
  /** Last position delivered. */
  readonly position: number;
  close(): void;
}

/** The system's source of truth. Two implementations pass one contract suite. */
export interface EventLog {
  readonly kind: 'memory' | 'postgres';
  /** Appends atomically: all events of the call or none. */
  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream with streamVersion > fromVersion, in order. */
  readStream(streamId: string, fromVersion?: number): Promise<RecordedEvent[]>;
  /** Events with position > fromPosition, in global order, at most `limit`. */
  readAll(fromPosition: number, limit: number): Promise<RecordedEvent[]>;
  /** The events at these positions (ascending, each present once), in position order. */
  readPositions(positions: number[]): Promise<RecordedEvent[]>;
  /** Position of the last committed event (0 when empty). */
  head(): Promise<number>;
  subscribe(options?: SubscribeOptions): EventSubscription;
  /** Walks the hash chain from the start; reports the first bad position. */
  verify(): Promise<VerifyResult>;
  close(): Promise<void>;
}
