import { authMessage } from '../../../protocol/index.ts';
import { Register, RequestChallenge, SignIn } from '../graphql/identity.ts';
import type { Api } from './api.ts';
import { restoreBackup } from './backup.ts';
import { createIdentityKey, type IdentityKey, type KeyStore, sign } from './keys.ts';
import type { KeyValueStore } from './kv.ts';

/** A signed-in session of this device. */
export interface SessionInfo {
  token: string;
  sessionId: string;
  expiresAt: number;
  address: string;
  displayName: string;
}

const SESSION = 'session';
/** Set when this device's session was ended on purpose (not expired): no silent sign-in then. */
const ENDED = 'session-ended';
/** Sign in again this long before the token expires, rather than have a socket refused. */
const RENEW_MARGIN_MS = 60 * 60 * 1000;

/**
 * Registration and sign-in by signing a server challenge with the key held in this browser
 * (docs/protocol.md, Register and sign in). On return the stored token is used; when it has
 * expired or ended, the key signs in again without asking anything.
 */
export class Session {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly keys: KeyStore,
    private readonly api: Api,
    private readonly device = 'web',
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The session to use now: the stored one, or a fresh sign-in; null when there is no key, or
   * when the session was ended on purpose (signed out from another device): the person
   * decides to sign in again (`heldKey`, then `signIn`).
   */
  async resume(): Promise<SessionInfo | null> {
    if (await this.kv.get<boolean>(ENDED)) return null;
    const stored = await this.kv.get<SessionInfo>(SESSION);
    if (stored && stored.expiresAt - RENEW_MARGIN_MS > this.now()) return stored;
    const key = await this.keys.load();
    return key ? this.signIn(key) : null;
  }

  /** A new identity: makes the key, registers it, keeps both. */
  async register(displayName: string): Promise<SessionInfo> {
    const key = await createIdentityKey(await this.keys.deviceKey());
    const { challenge } = (await this.api.request(RequestChallenge, {})).requestChallenge;
    const signature = await sign(key, authMessage('register', challenge, key.address));
    const { register } = await this.api.request(Register, {
      input: { publicKey: key.publicKey, displayName, challenge, signature, device: this.device },
    });
    await this.keys.save(key);
    return this.#keep(register);
  }

  /** The identity whose key this browser holds, if any (its address). */
  async heldKey(): Promise<IdentityKey | undefined> {
    return this.keys.load();
  }

  /**
   * This device's session was ended elsewhere (sign out of all devices) or here: forget the
   * token, keep the key, and do not sign in again on your own, across reloads too.
   */
  async markEnded(): Promise<void> {
    await this.kv.set(ENDED, true);
    await this.kv.delete(SESSION);
  }

  /** Whether the stored session's token is past (or within a margin of) its expiry. */
  async expired(): Promise<boolean> {
    const stored = await this.kv.get<SessionInfo>(SESSION);
    return !stored || stored.expiresAt - RENEW_MARGIN_MS <= this.now();
  }

  /** A new session for the identity whose key this browser holds. */
  async signIn(key: IdentityKey): Promise<SessionInfo> {
    const { challenge } = (await this.api.request(RequestChallenge, {})).requestChallenge;
    const signature = await sign(key, authMessage('sign-in', challenge, key.address));
    const { signIn } = await this.api.request(SignIn, {
      input: { address: key.address, challenge, signature, device: this.device },
    });
    return this.#keep(signIn);
  }

  /**
   * Another device's identity, from its backup file: decrypted and checked (backup.ts), then
   * signed in with; only once the server accepted it is the key kept here (sealed under this
   * device's key, so this device can make backups too). A refusal keeps nothing.
   */
  async importBackup(text: string, passphrase: string): Promise<SessionInfo> {
    const restored = await restoreBackup(text, passphrase);
    try {
      const key = {
        address: restored.address,
        publicKey: restored.publicKey,
        privateKey: restored.privateKey,
      };
      const info = await this.signIn(key);
      await this.keys.adopt(restored);
      return info;
    } finally {
      restored.pkcs8.fill(0);
    }
  }

  /** Drops the stored token (it ended): the next resume signs in again. */
  forgetToken(): Promise<void> {
    return this.kv.delete(SESSION);
  }

  /** Forgets the session and the key: this browser no longer holds the identity. */
  async forgetAll(): Promise<void> {
    await this.kv.delete(SESSION);
    await this.kv.delete(ENDED);
    await this.keys.clear();
  }

  async #keep(payload: {
    token: string;
    sessionId: string;
    expiresAt: number;
    identity: { address: string; displayName: string };
  }): Promise<SessionInfo> {
    const info: SessionInfo = {
      token: payload.token,
      sessionId: payload.sessionId,
      expiresAt: payload.expiresAt,
      address: payload.identity.address,
      displayName: payload.identity.displayName,
    };
    await this.kv.set(SESSION, info);
    await this.kv.delete(ENDED);
    return info;
  }
}
