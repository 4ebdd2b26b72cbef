import { InMemoryEventLog } from './memory.ts';
import { PostgresEventLog } from './postgres/index.ts';
import type { EventLog } from './types.ts';

/** PostgreSQL when a connection string is given, else the embedded in-memory log (demo mode). */
export async function openEventLog(options: {
  databaseUrl?: string | undefined;
  onError?: (error: unknown) => void;
}): Promise<EventLog> {
  if (options.databaseUrl) {
    return PostgresEventLog.open({
      connectionString: options.databaseUrl,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  return new InMemoryEventLog();
}
