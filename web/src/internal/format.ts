/** Time of day of a message, in the reader's locale. */
export const timeOf = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** A day heading ("Today" is left to the locale's date: simpler and unambiguous). */
export const dayOf = (ms: number) =>
  new Date(ms).toLocaleDateString([], { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });

/** An address shortened for tight places; the full one is always available to copy. */
export const shortAddress = (address: string) => `${address.slice(0, 8)}…${address.slice(-4)}`;

export type HistoryQuality = {
  connected: boolean;
  relayed: boolean;
  relayProtocol: string | null;
  rttMs: number | null;
  packetLossPercent: number | null;
};

/**
 * The path and quality of a call as this device reported it, compactly: "Relayed (UDP) ·
 * 42 ms · 3% loss" or "Direct · 8 ms"; loss only when it was noticeable.
 */
export const qualityOf = (q: HistoryQuality | null): string | null => {
  if (!q?.connected) return null;
  const parts = [q.relayed ? `Relayed${q.relayProtocol ? ` (${q.relayProtocol})` : ''}` : 'Direct'];
  if (q.rttMs !== null) parts.push(`${Math.round(q.rttMs)} ms`);
  if (q.packetLossPercent !== null && q.packetLossPercent >= 1)
    parts.push(`${Math.round(q.packetLossPercent)}% loss`);
  return parts.join(' · ');
};
