/**
 * The audit trail's own events. They live in streams of no domain (`audit-…`), so no read
 * model folds them and no identity's feed shows them: they are there for the next auditor.
 */
export const AUDIT_READS_STREAM = 'audit-reads';
export const CHECKPOINTS_STREAM = 'audit-checkpoints';

/** Who read the log: the holder of ADMIN_TOKEN or of AUDIT_TOKEN. */
export type OperatorRole = 'admin' | 'auditor';

/** An operator read the log (a query of the audit API or an export). */
export interface AuditRead {
  type: 'AuditRead';
  data: {
    /** The field or route read: `auditEvents`, `export`, … */
    operation: string;
    /** Its arguments as given, as JSON text. */
    arguments: string;
    role: OperatorRole;
  };
}

/** The chain head as it stood, signed with the operator key (AUDIT_SIGNING_KEY). */
export interface ChainCheckpointed {
  type: 'ChainCheckpointed';
  data: {
    position: number;
    hash: string;
    /** Ed25519 public key (raw 32 bytes, base64url) that made the signature. */
    publicKey: string;
    /** Ed25519 signature (base64url) of `checkpointText(position, hash)`. */
    signature: string;
  };
}

export type AuditEvent = AuditRead | ChainCheckpointed;
