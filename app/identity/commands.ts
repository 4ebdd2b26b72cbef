import { randomUUID } from 'node:crypto';
import { normalizeDeviceName, normalizeDisplayName } from '../../events/identity/decide.ts';
import { identityDecider } from '../../events/identity/decider.ts';
import { identityStream } from '../../events/identity/events.ts';
import { ed25519PublicKey, publicKeyProblem, verifyEd25519 } from '../../events/identity/keys.ts';
import type { IdentityView } from '../../events/identity/projections.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressOf, addressProblem } from '../../protocol/address.ts';
import { authMessage, CHALLENGE_FORMAT } from '../../protocol/auth.ts';
import { fromBase64url } from '../../protocol/base64url.ts';
import type { OneTimeStore } from '../one-time.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { handle } from '../write.ts';
import { type HandoverClaims, verifyHandover } from './handover.ts';
import type { IdentityQueries } from './queries.ts';
import { CHALLENGE_TTL_MS, hashToken, newChallenge, newSessionToken } from './tokens.ts';

export interface AuthResult {
  token: string;
  sessionId: string;
  expiresAt: number;
  identity: IdentityView;
}

interface Deps {
  log: EventLog;
  oneTime: OneTimeStore;
  readModels: ReadModels;
  queries: IdentityQueries;
  now: () => Date;
  sessionTtlMs: number;
  /** EMBED_SITE_SECRETS */
  embedSiteSecrets: ReadonlyMap<string, Buffer>;
}

/** Commands for identities and sessions: validate, decide, append, wait for the read model. */
export class IdentityCommands {
  constructor(private readonly deps: Deps) {}

  async requestChallenge(): Promise<{ challenge: string; expiresAt: number }> {
    const challenge = newChallenge();
    const expiresAt = this.deps.now().getTime() + CHALLENGE_TTL_MS;
    await this.deps.oneTime.issue(`challenge:${challenge}`, new Date(expiresAt));
    return { challenge, expiresAt };
  }

  /** Checks the signature first, then takes the challenge: a bad signature does not burn it. */
  private async useChallenge(challenge: unknown, verified: () => boolean): Promise<void> {
    if (typeof challenge !== 'string' || !CHALLENGE_FORMAT.test(challenge)) {
      throw new DomainError('CHALLENGE_INVALID', 'malformed challenge');
    }
    if (!verified())
      throw new DomainError('SIGNATURE_INVALID', 'the signature does not match the key and challenge');
    if (!(await this.deps.oneTime.consume(`challenge:${challenge}`, this.deps.now()))) {
      throw new DomainError('CHALLENGE_INVALID', 'the challenge is unknown, expired or already used');
    }
  }

  async register(
    input: {
      publicKey: string;
      displayName: string;
      challenge: string;
      signature: string;
      device?: string | null;
    },
    metadata: EventMetadata,
  ): Promise<AuthResult> {
    // Every input is checked before the challenge is taken: a refusal does not burn it.
    const device = normalizeDeviceName(input.device);
    normalizeDisplayName(input.displayName);
    const raw = fromBase64url(input.publicKey);
    if (raw?.length !== 32)
      throw new DomainError('BAD_INPUT', 'publicKey must be a raw 32-byte Ed25519 key in base64url');
    // Small-order, mixed-order, non-canonical and off-curve keys are refused here, before any
    // signature is checked: with them a trivial signature verifies (issue 8, point 7).
    const problem = publicKeyProblem(raw);
    const key = problem ? null : ed25519PublicKey(input.publicKey);
    if (!key) throw new DomainError('BAD_INPUT', problem ?? 'publicKey is not a usable Ed25519 key');
    const address = addressOf(raw);
    if (this.deps.queries.known(address)) {
      throw new DomainError('CONFLICT', 'this key is already registered: sign in instead');
    }
    await this.useChallenge(input.challenge, () =>
      verifyEd25519(key, authMessage('register', input.challenge, address), input.signature),
    );
    const { token, session } = this.newSession(device);
    const { append } = await handle(
      this.deps,
      { stream: identityStream(address), decider: identityDecider, strategy: 'fold' },
      { type: 'Register', address, publicKey: input.publicKey, displayName: input.displayName, session },
      { ...metadata, actor: address },
    );
    return this.sessionResult(address, token, session, append!.lastPosition);
  }

  async signIn(
    input: { address: string; challenge: string; signature: string; device?: string | null },
    metadata: EventMetadata,
  ): Promise<AuthResult> {
    const problem = addressProblem(input.address);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    const device = normalizeDeviceName(input.device);
    const identity = await this.deps.queries.identity(input.address);
    if (!identity) throw new DomainError('NOT_FOUND', 'no identity has this address');
    // Null for a key registered before keys were checked strictly: nothing verifies for it.
    const key = ed25519PublicKey(identity.publicKey);
    await this.useChallenge(
      input.challenge,
      () =>
        !!key && verifyEd25519(key, authMessage('sign-in', input.challenge, input.address), input.signature),
    );
    return this.startSession(input.address, device, { ...metadata, actor: input.address });
  }

  private newSession(device: string) {
    const token = newSessionToken();
    const session = {
      sessionId: randomUUID(),
      tokenHash: hashToken(token),
      expiresAt: this.deps.now().getTime() + this.deps.sessionTtlMs,
      device,
    };
    return { token, session };
  }

  private async sessionResult(
    address: string,
    token: string,
    session: { sessionId: string; expiresAt: number },
    position: number,
  ): Promise<AuthResult> {
    await this.deps.readModels.waitFor(position);
    const identity = this.deps.queries.known(address)!;
    return { token, sessionId: session.sessionId, expiresAt: session.expiresAt, identity };
  }

  private async startSession(address: string, device: string, metadata: EventMetadata) {
    const { token, session } = this.newSession(device);
    const { append } = await handle(
      this.deps,
      { stream: identityStream(address), decider: identityDecider, strategy: 'fold' },
      { type: 'StartSession', ...session },
      metadata,
    );
    return this.sessionResult(address, token, session, append!.lastPosition);
  }

  async signOut(viewer: Viewer, metadata: EventMetadata): Promise<boolean> {
    await handle(
      this.deps,
      { stream: identityStream(viewer.address), decider: identityDecider, strategy: 'fold' },
      { type: 'EndSession', sessionId: viewer.sessionId, reason: 'signed_out' },
      { ...metadata, actor: viewer.address },
    );
    return true;
  }

  /**
   * Ends every live session of the viewer's identity, this one included (one SessionEnded per
   * session, in one append): their tokens stop working and their sockets close on every node.
   * Returns how many ended; 0 when none was left (idempotent). A device that still holds the
   * key can sign in again: this ends sessions, it does not change the key.
   */
  async signOutEverywhere(viewer: Viewer, metadata: EventMetadata): Promise<number> {
    const { events } = await handle(
      this.deps,
      { stream: identityStream(viewer.address), decider: identityDecider, strategy: 'fold' },
      { type: 'EndAllSessions', at: this.deps.now().getTime() },
      { ...metadata, actor: viewer.address },
    );
    return events.length;
  }

  /**
   * Verified handover: checks the assertion for `site` (the host origin the frame validated),
   * takes its nonce once (every node shares the one-time store) and records that `site`
   * vouches for this identity. It grants no key and no session.
   */
  async verifyEmbedHandover(
    viewer: Viewer,
    assertion: string,
    site: string,
    metadata: EventMetadata,
  ): Promise<HandoverClaims & { verifiedAt: number }> {
    const now = this.deps.now().getTime();
    const claims = verifyHandover(assertion, site, this.deps.embedSiteSecrets, now);
    if (!(await this.deps.oneTime.claim(`handover:${site}:${claims.nonce}`, new Date(claims.expiresAt))))
      throw new DomainError('TOKEN_REPLAYED', 'this assertion was already used (its nonce is single-use)');
    await handle(
      this.deps,
      { stream: identityStream(viewer.address), decider: identityDecider, strategy: 'fold' },
      { type: 'VouchEmbedIdentity', ...claims },
      { ...metadata, actor: viewer.address },
    );
    return { ...claims, verifiedAt: now };
  }

  async changeDisplayName(
    viewer: Viewer,
    displayName: string,
    metadata: EventMetadata,
  ): Promise<IdentityView> {
    await handle(
      this.deps,
      { stream: identityStream(viewer.address), decider: identityDecider, strategy: 'fold' },
      { type: 'ChangeDisplayName', displayName },
      { ...metadata, actor: viewer.address },
    );
    return this.deps.queries.known(viewer.address)!;
  }
}
