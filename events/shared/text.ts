/**
 * Text rules shared by every place that takes a string from outside (docs/protocol.md,
 * "Text").
 */

// With the `u` flag a surrogate pair is one code point, so this matches only lone halves:
// strings JavaScript allows but that are not Unicode (PostgreSQL's jsonb refuses them).
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `text` is well-formed UTF-16, i.e. encodes to UTF-8 and back unchanged. */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);
