/**
 * The operator console's data access: the audit GraphQL fields and the export route with
 * the operator token in `x-admin-token`. The token lives in sessionStorage only (this tab).
 */
const KEY = 'callvault.operatorToken';

export const operatorToken = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

export class AuditError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export async function audit<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-token': operatorToken.get() ?? '' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (body.errors?.length) throw new AuditError(body.errors[0]!.message, body.errors[0]!.extensions?.code);
  return body.data as T;
}

export interface AuditEvent {
  position: number;
  streamId: string;
  type: string;
  actor: string | null;
  correlationId: string | null;
  time: number;
  data: string;
  hash: string;
}

export interface EventPage {
  events: AuditEvent[];
  next: number | null;
  head: number;
}

const EVENT_FIELDS = 'events { position streamId type actor correlationId time data hash } next head';

export const listEvents = (v: Record<string, unknown>) =>
  audit<{ auditEvents: EventPage }>(
    `query($after: Position, $first: Int, $type: String, $actor: String, $correlationId: String, $streamId: String) {
      auditEvents(after: $after, first: $first, type: $type, actor: $actor, correlationId: $correlationId, streamId: $streamId) { ${EVENT_FIELDS} }
    }`,
    v,
  ).then((d) => d.auditEvents);

export const timeline = (address: string, after: number) =>
  audit<{ auditTimeline: EventPage }>(
    `query($a: String!, $after: Position) { auditTimeline(address: $a, after: $after, first: 50) { ${EVENT_FIELDS} } }`,
    { a: address, after },
  ).then((d) => d.auditTimeline);

export interface Verification {
  ok: boolean;
  to: number;
  checked: number;
  firstBadPosition: number | null;
  reason: string | null;
}

export const verifyRange = (from: number, to: number) =>
  audit<{ auditVerifyChain: Verification }>(
    'query($f: Position, $t: Position) { auditVerifyChain(from: $f, to: $t) { ok to checked firstBadPosition reason } }',
    { f: from, t: to },
  ).then((d) => d.auditVerifyChain);

export const stateAt = (kind: string, key: string, peer: string | null, position: number) =>
  audit<{ auditStateAt: { state: string } }>(
    'query($k: AuditStateKind!, $key: String!, $p: String, $n: Position!) { auditStateAt(kind: $k, key: $key, peer: $p, position: $n) { state } }',
    { k: kind, key, p: peer, n: position },
  ).then((d) => d.auditStateAt.state);

/** The export as a file download: fetched with the token header (a plain link could not send it). */
export async function downloadExport(from: number, to: number | null): Promise<number> {
  const q = new URLSearchParams({ from: String(from), ...(to === null ? {} : { to: String(to) }) });
  const res = await fetch(`/api/admin/export?${q}`, {
    headers: { 'x-admin-token': operatorToken.get() ?? '' },
  });
  if (!res.ok) throw new AuditError(`export failed: ${res.status}`, undefined);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = 'callvault-export.ndjson';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
