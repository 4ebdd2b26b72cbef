import { timingSafeEqual } from 'node:crypto';
import type { OperatorRole } from '../../events/audit/events.ts';

export type { OperatorRole };

const same = (given: string, expected: string | undefined) =>
  !!expected &&
  given.length === expected.length &&
  timingSafeEqual(Buffer.from(given), Buffer.from(expected));

/**
 * The operator a token names: ADMIN_TOKEN is `admin` (audit reads, checkpoints, plans),
 * AUDIT_TOKEN is `auditor` (audit reads only). Anything else — a user's session token among
 * them — names nobody. An unset token matches nothing.
 */
export function operatorRole(
  given: string | undefined | null,
  tokens: { adminToken: string | undefined; auditToken: string | undefined },
): OperatorRole | null {
  if (!given) return null;
  if (same(given, tokens.adminToken)) return 'admin';
  if (same(given, tokens.auditToken)) return 'auditor';
  return null;
}

/** An operator acting in one request: who, and the request id their reads are recorded under. */
export interface Operator {
  role: OperatorRole;
  requestId: string;
}
