// Ids made by clients (message ids, call ids) are UUIDs in the 8-4-4-4-12 hex form.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `text` is a UUID (hex digits in either case). */
export const isUuid = (text: unknown): text is string => typeof text === 'string' && UUID.test(text);

/**
 * True when `text` is a UUID in lower case, as a call token's callId must be: signed fields
 * are taken byte for byte, never normalised (docs/protocol.md, "The call token").
 */
export const isLowerCaseUuid = (text: unknown): text is string => isUuid(text) && text === text.toLowerCase();
