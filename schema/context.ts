import type { CallCommands } from '../api/commands/calls.ts';
import type { ContactCommands } from '../api/commands/contacts.ts';
import type { IdentityCommands, Viewer } from '../api/commands/identity.ts';
import type { MessageCommands } from '../api/commands/messages.ts';
import type { FeedHub } from '../api/feed.ts';
import type { RateLimiter } from '../api/rate-limit.ts';
import type { AttemptLimiter } from '../api/shared-rate-limit.ts';
import type { SignalBus } from '../api/signals.ts';
import type { EventMetadata } from '../events/store/types.ts';

/** What resolvers can reach: command handlers and read models, never a database. */
export interface Services {
  identity: IdentityCommands;
  contacts: ContactCommands;
  messages: MessageCommands;
  calls: CallCommands;
  adminToken: string | undefined;
  feed: FeedHub;
  signals: SignalBus;
  mode: 'memory' | 'postgres';
  version: string;
  limits: { authByIp: AttemptLimiter; authByIdentity: AttemptLimiter; typing: RateLimiter };
}

export interface GraphQLContext {
  services: Services;
  viewer: Viewer | null;
  requestId: string;
  ip: string;
  /** The `x-admin-token` header, if any (HTTP only). */
  adminToken?: string | undefined;
}

/** Event metadata for anything this request appends. */
export const requestMetadata = (ctx: GraphQLContext): EventMetadata => ({
  correlationId: ctx.requestId,
  ...(ctx.viewer ? { actor: ctx.viewer.address } : {}),
});
