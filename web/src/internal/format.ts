/** Time of day of a message, in the reader's locale. */
export const timeOf = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** A day heading ("Today" is left to the locale's date: simpler and unambiguous). */
export const dayOf = (ms: number) =>
  new Date(ms).toLocaleDateString([], { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });

/** An address shortened for tight places; the full one is always available to copy. */
export const shortAddress = (address: string) => `${address.slice(0, 8)}…${address.slice(-4)}`;
