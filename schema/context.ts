import type { Services, Viewer } from '../app/services.ts';
import type { EventMetadata } from '../events/store/types.ts';

export type { Services, Viewer };

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
