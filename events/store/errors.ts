/** Base of every error the event log raises on purpose. */
export class EventLogError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The stream was not at the expected version: someone else appended first. */
export class VersionConflictError extends EventLogError {
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, expected ${expected}`, 'VERSION_CONFLICT');
  }
}

/** Some, but not all, of the event ids of an append are already in the log, or in another stream. */
export class IdempotencyConflictError extends EventLogError {
  constructor(message: string) {
    super(message, 'IDEMPOTENCY_CONFLICT');
  }
}

/** The append was malformed; nothing was written. */
export class InvalidAppendError extends EventLogError {
  constructor(message: string) {
    super(message, 'INVALID_APPEND');
  }
}

export class EventLogClosedError extends EventLogError {
  constructor() {
    super('the event log is closed', 'CLOSED');
  }
}

/**
 * The store cannot be reached right now (connection refused or lost, server restarting).
 * Retryable: appends are idempotent by event id, so retrying with the same ids never writes
 * twice. `outcomeUnknown` when the connection was lost around COMMIT: the append may have
 * been written, and only a retry (or a read) tells.
 */
export class StoreUnavailableError extends EventLogError {
  constructor(
    readonly outcomeUnknown = false,
    options?: { cause?: unknown },
  ) {
    super(
      outcomeUnknown
        ? 'the event store connection was lost while committing: retry with the same ids (a retry never writes twice)'
        : 'the event store is unavailable: retry shortly',
      'UNAVAILABLE',
    );
    if (options && 'cause' in options) this.cause = options.cause;
  }
}
