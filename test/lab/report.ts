/** The lab's report data (test/lab/out/report.json) and its markdown (test/lab/out/matrix.md). */
import type { EndState, SelectedPair } from './people.ts';

export interface Cell {
  plan: 'turn' | 'stun';
  a: string;
  b: string;
  expected: 'connect' | 'fail';
  calls: number;
  connected: number;
  setupMedianMs: number | null;
  setupP95Ms: number | null;
  failMedianMs: number | null;
  /** Selected candidate pairs (caller's local type ↔ callee's local type) and how many calls used each. */
  pairs: Record<string, number>;
  ended: ({ caller: EndState; callee: EndState } | undefined)[];
  /** What went wrong in calls that should have connected. */
  errors: string[];
}

export interface Report {
  date: string;
  callsPerCell: number;
  cells: Cell[];
  natChecks: { site: string; kind: string; localPort: number; mapped: (string | null | undefined)[] }[];
  networkChange: {
    recoveryMs: number;
    mobileMs: number;
    peerMs: number;
    before: SelectedPair | null;
    after: SelectedPair | null;
  }[];
  outage?: { endedAfterMs: number[] };
  ttl?: { ttlSeconds: number; heldMs: number; pair: SelectedPair | null };
  misconfigured?: { config: string; verify: string[]; failMs: number }[];
  /**
   * After the matrix, what the TURN and STUN-only servers count in `/metrics` from the clients'
   * call quality records (whole log: the network change and outage calls are on the TURN server).
   */
  serverCounts?: Record<'turn' | 'stun', import('./services.ts').CallCounts>;
}

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v / 1000).toFixed(2)} s`;

export function markdown(r: Report): string {
  const order = ['open', 'cone', 'symmetric', 'udp-blocked'];
  const cells = [...r.cells].sort(
    (x, y) =>
      (x.plan === y.plan ? 0 : x.plan === 'turn' ? -1 : 1) ||
      order.indexOf(x.a) - order.indexOf(y.a) ||
      order.indexOf(x.b) - order.indexOf(y.b),
  );
  const lines = [
    `Lab run ${r.date}, ${r.callsPerCell} calls per cell.`,
    '',
    '| plan | sites | connected | setup median | setup p95 | failed after (median) | selected pairs (caller ↔ callee, local candidate) |',
    '|---|---|---|---|---|---|---|',
    ...cells.map(
      (c) =>
        `| ${c.plan === 'turn' ? 'TURN' : 'STUN only'} | ${c.a} ↔ ${c.b} | ${c.connected}/${c.calls} | ${ms(c.setupMedianMs)} | ${ms(c.setupP95Ms)} | ${ms(c.failMedianMs)} | ${
          Object.entries(c.pairs)
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ') || '—'
        } |`,
    ),
    '',
  ];
  for (const n of r.networkChange)
    lines.push(
      `Network change: media back on both sides after ${ms(n.recoveryMs)} (moving side ${ms(n.mobileMs)}, peer ${ms(n.peerMs)}).`,
    );
  if (r.outage)
    lines.push(`Outage: both sides ended (ice_failed) after ${r.outage.endedAfterMs.map(ms).join(' and ')}.`);
  if (r.ttl)
    lines.push(
      `TURN_TTL=${r.ttl.ttlSeconds}: the relayed call held ${ms(r.ttl.heldMs)} past the first credentials' issue.`,
    );
  for (const m of r.misconfigured ?? [])
    lines.push(
      `Misconfigured coturn (${m.config}): ice-verify "${m.verify.join('; ')}"; the call ended after ${ms(m.failMs)}.`,
    );
  for (const [name, c] of Object.entries(r.serverCounts ?? {}))
    lines.push(
      `Server ${name === 'turn' ? 'with TURN' : 'STUN only'} (/metrics, from the call quality records): ${c.connected} connected (${c.relayed} relayed), ${c.failed} failed, ${c.unreported} unreported.`,
    );
  return `${lines.join('\n')}\n`;
}
