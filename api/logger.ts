import pino from 'pino';

/** The one logger: JSON lines on stdout. */
export function createLogger(level: string) {
  return pino({ level, base: { service: 'callvault' }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = ReturnType<typeof createLogger>;
