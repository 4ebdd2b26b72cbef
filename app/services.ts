import type { AuditService } from './audit/service.ts';
import type { CallCommands } from './calls/commands.ts';
import type { CallQueries } from './calls/queries.ts';
import type { ContactCommands } from './contacts/commands.ts';
import type { ContactQueries } from './contacts/queries.ts';
import type { FeedHub } from './feed.ts';
import type { IdentityCommands } from './identity/commands.ts';
import type { IdentityQueries } from './identity/queries.ts';
import type { Limits } from './limits.ts';
import type { MessageCommands } from './messages/commands.ts';
import type { MessageQueries } from './messages/queries.ts';
import type { Typing } from './messages/typing.ts';
import type { PlanCommands } from './plans/commands.ts';
import type { PlanQueries } from './plans/queries.ts';
import type { PushCommands } from './push/commands.ts';
import type { PushQueries } from './push/queries.ts';
import type { PushCounters } from './push/sender.ts';

/** The identity a request acts for: an address and the live session it signed in with. */
export interface Viewer {
  address: string;
  sessionId: string;
}

/**
 * What resolvers and transports can reach: the application's commands (writes) and queries
 * (reads of the read models), the feed, ephemeral signals and limits — never a database.
 */
export interface Services {
  commands: {
    identity: IdentityCommands;
    contacts: ContactCommands;
    messages: MessageCommands;
    calls: CallCommands;
    plans: PlanCommands;
    push: PushCommands;
  };
  queries: {
    identity: IdentityQueries;
    contacts: ContactQueries;
    messages: MessageQueries;
    calls: CallQueries;
    plans: PlanQueries;
    push: PushQueries;
  };
  feed: FeedHub;
  /** Typing indicators (ephemeral signals, never in the log). */
  typing: Typing;
  limits: Limits;
  adminToken: string | undefined;
  /** Read-only operator token for the audit API (AUDIT_TOKEN). */
  auditToken: string | undefined;
  /** The operators' view of the log (audit API, exports, checkpoints). */
  audit: AuditService;
  mode: 'memory' | 'postgres';
  version: string;
  /** Notifications sent, failed, removed… (null when push is off): served on /metrics. */
  pushCounters: PushCounters | null;
}
