import type { IdentityView, SessionView } from '../../events/identity/projections.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { hashToken, SESSION_TOKEN_FORMAT } from './tokens.ts';

/** Reads of the directory: identities, their keys and names, and sessions. */
export class IdentityQueries {
  constructor(
    private readonly readModels: ReadModels,
    private readonly now: () => Date,
  ) {}

  private get directory() {
    return this.readModels.runners.directory.state;
  }

  /** An identity this node already knows (no catch-up). */
  known(address: string): IdentityView | null {
    return this.directory.identities.get(address) ?? null;
  }

  /** An identity by address; catches up with the log once if this node has not seen it yet. */
  async identity(address: string): Promise<IdentityView | null> {
    const known = this.known(address);
    if (known) return known;
    await this.readModels.sync();
    return this.known(address);
  }

  /** True when `address` is registered (on this node, or in the log after one catch-up). */
  async exists(address: string): Promise<boolean> {
    return (await this.identity(address)) !== null;
  }

  displayNameOf(address: string): string | null {
    return this.known(address)?.displayName ?? null;
  }

  /** The live session a bearer token stands for, or null. */
  async authenticate(token: string): Promise<Viewer | null> {
    if (!SESSION_TOKEN_FORMAT(token)) return null;
    const hash = hashToken(token);
    let session = this.directory.sessions.get(hash);
    if (!session) {
      // Signed in on another node a moment ago? Catch up once before saying no.
      await this.readModels.sync();
      session = this.directory.sessions.get(hash);
    }
    return session && this.isLive(session)
      ? { address: session.address, sessionId: session.sessionId }
      : null;
  }

  /** Re-checked at each use: a session may end or expire while a socket stays open. */
  isLive(session: SessionView | undefined): boolean {
    return !!session && session.endedAt === null && session.expiresAt > this.now().getTime();
  }

  isViewerLive(viewer: Viewer): boolean {
    return this.isLive(this.directory.sessionsById.get(viewer.sessionId));
  }

  /** When a session expires (ms since the epoch), if this node knows it. */
  sessionExpiresAt(sessionId: string): number | undefined {
    return this.directory.sessionsById.get(sessionId)?.expiresAt;
  }
}
