import { randomUUID } from 'node:crypto';

// What a proxy or client may pass as a request id: printable ASCII without spaces or quotes.
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,100}$/;

/**
 * The request id for logs and event metadata (`correlationId`): the caller's `X-Request-Id`
 * when it is a plain token, else a fresh UUID. Never a cut or cleaned-up version of what was
 * sent: a header cut at a fixed length could split a character, and one carrying control
 * characters would reach the event log.
 */
export function requestIdFrom(header: string | undefined): string {
  return header && REQUEST_ID.test(header) ? header : randomUUID();
}
