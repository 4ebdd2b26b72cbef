import type { EventLog } from '../events/store/types.ts';
import type { createMetrics } from './metrics.ts';

/**
 * `log` with its appends timed into `callvault_event_append_seconds`, whoever appends
 * (commands, reactors). A decorator: the log itself is left as it is.
 */
export function instrumentLog(
  log: EventLog,
  metrics: Pick<ReturnType<typeof createMetrics>, 'appendSeconds'>,
): EventLog {
  return {
    get kind() {
      return log.kind;
    },
    async append(streamId, events, options) {
      const done = metrics.appendSeconds.startTimer();
      try {
        return await log.append(streamId, events, options);
      } finally {
        done();
      }
    },
    readStream: (streamId, fromVersion) => log.readStream(streamId, fromVersion),
    readAll: (fromPosition, limit) => log.readAll(fromPosition, limit),
    readPositions: (positions) => log.readPositions(positions),
    head: () => log.head(),
    subscribe: (options) => log.subscribe(options),
    verify: () => log.verify(),
    close: () => log.close(),
  };
}
