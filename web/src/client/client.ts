import { stringifyDocument } from '@urql/core';
import type { CallHistoryQuery, NonContactCallPolicy } from '../gql/graphql.ts';
import { CallHistory } from '../graphql/calls.ts';
import {
  ChangeDisplayName,
  Feed,
  SignOut,
  SignOutEverywhere,
  VerifyEmbedHandover,
} from '../graphql/identity.ts';
import {
  AcceptMessageRequest,
  AddContact,
  BlockContact,
  Contacts,
  Conversations,
  DeclineMessageRequest,
  DeleteMessage,
  EditMessage,
  History,
  MarkDelivered,
  MarkRead,
  RemoveContact,
  RenameContact,
  SendMessage,
  SendTyping,
  SetAlwaysAllowed,
  SetDoNotDisturb,
  SetNonContactCalls,
  Typing as TypingSubscription,
  UnblockContact,
} from '../graphql/messaging.ts';
import { type Api, ApiError } from './api.ts';
import { backupFileName, exportBackup } from './backup.ts';
import { CACHE_LIMITS, OfflineCache } from './cache.ts';
import { Calls } from './calls.ts';
import { Chats } from './chats.ts';
import { Connection, type ConnectionState, publicApi } from './connection.ts';
import type { Contact, Plan, Settings } from './contacts.ts';
import { FeedFollower, type FeedItem } from './feed.ts';
import { KeyStore } from './keys.ts';
import type { KeyValueStore } from './kv.ts';
import { Outbox } from './outbox.ts';
import { Session, type SessionInfo } from './session.ts';
import { Typing } from './typing.ts';

export type Phase = 'loading' | 'signed-out' | 'signed-in';

/** Messages per history page. */
const PAGE = 50;

export interface ClientOptions {
  kv: KeyValueStore;
  /** Signed-out requests (register, sign in): plain HTTP. */
  publicApi: Api;
  /** ws(s)://host/graphql */
  wsUrl: string;
  /** Calls only through TURN relays (hides this device's IP address from the peer). */
  relayOnly?: () => boolean;
}

/**
 * The app's data layer, one object for every screen: session, socket, feed, outbox, chats
 * and contacts. It renders nothing; elements read its state and call its actions, and
 * re-render on its `change` event (they get it through @lit/context).
 */
export class CallVaultClient extends EventTarget {
  phase: Phase = 'loading';
  connection: ConnectionState = 'offline';
  me: { address: string; displayName: string } | null = null;
  contacts: Contact[] = [];
  /** Addresses I blocked (they are not told). */
  blocked: string[] = [];
  /** Do-not-disturb and non-contact calls, as the server has them (null until loaded). */
  settings: Omit<Settings, 'blocked'> | null = null;
  /** The plan the server shows for me (read-only here). */
  plan: Plan | null = null;
  chats: Chats | null = null;
  /**
   * What is shown came from this device's saved view (cache.ts), not yet from the server: the
   * app opened without reaching it. Read-only until then; messages written wait in the outbox.
   */
  showingSaved = false;
  /** The conversation on screen, whose messages are marked read as they arrive. */
  openPeer: string | null = null;
  error: string | null = null;
  /**
   * Signed out but still holding the key (the session was ended from another device, or by
   * "sign out of all devices"): the address, to offer signing in again. Null otherwise.
   */
  held: string | null = null;
  /** Why the app is on the signed-out screen, when it was not the person's own doing here. */
  notice: string | null = null;
  /** Whether the key held here can be written to a backup (identities made since backups exist). */
  canBackUp = false;
  /** Newest first; loaded when the calls screen asks, refreshed as calls end. */
  callHistory: CallHistoryQuery['callHistory']['calls'] | null = null;

  readonly session: Session;
  readonly outbox: Outbox;
  readonly calls: Calls;
  readonly typing = new Typing(() => this.changed());
  #conn: Connection | null = null;
  #feed: FeedFollower | null = null;
  #info: SessionInfo | null = null;
  readonly #keys: KeyStore;
  /** A sign-out of ours is under way: the socket closing because of it is no news. */
  #leaving = false;
  #cache: OfflineCache | null = null;

  constructor(private readonly options: ClientOptions) {
    super();
    this.#keys = new KeyStore(options.kv);
    this.session = new Session(options.kv, this.#keys, options.publicApi);
    this.outbox = new Outbox(options.kv, () => this.changed());
    const keys = new KeyStore(options.kv);
    this.calls = new Calls({
      api: () => this.api,
      me: () => this.me?.address ?? '',
      key: () => keys.load(),
      changed: () => this.changed(),
      relayOnly: options.relayOnly ?? (() => false),
    });
  }

  /** Something shown changed: elements re-render, and the saved view is brought up to date. */
  changed(): void {
    const { chats } = this;
    if (this.phase === 'signed-in' && chats && this.#cache) {
      this.#cache.schedule(() => ({
        contacts: this.contacts,
        blocked: this.blocked,
        chats: chats.snapshot(CACHE_LIMITS),
      }));
    }
    this.dispatchEvent(new Event('change'));
  }

  /** Writes the saved view now (the page is going away). */
  saveNow(): Promise<void> {
    return this.#cache?.flush() ?? Promise.resolve();
  }

  get api(): Api {
    if (!this.#conn) throw new ApiError('not signed in', 'UNAUTHENTICATED');
    return this.#conn;
  }

  /** On page load: sign in silently when this browser holds an identity. */
  async start(): Promise<void> {
    await this.outbox.load();
    try {
      const info = await this.session.resume();
      if (info) await this.#open(info);
      else {
        this.held = (await this.session.heldKey())?.address ?? null;
        if (this.held && !this.notice) this.notice = 'This device was signed out.';
        this.#set({ phase: 'signed-out' });
      }
    } catch (error) {
      this.#set({ phase: 'signed-out', error: messageOf(error) });
    }
  }

  async register(displayName: string): Promise<void> {
    await this.#open(await this.session.register(displayName));
  }

  /** Signs in again with the key this browser holds (after a sign-out from elsewhere). */
  async signInAgain(): Promise<void> {
    const key = await this.session.heldKey();
    if (!key) throw new Error('This browser holds no identity.');
    await this.#open(await this.session.signIn(key));
  }

  /**
   * Another device's identity from its backup file (a second device): decrypted with the
   * passphrase, checked, signed in with; nothing is kept when any step refuses.
   */
  async importBackup(text: string, passphrase: string): Promise<void> {
    await this.#open(await this.session.importBackup(text, passphrase));
  }

  /** The backup file for the identity held here, encrypted under `passphrase`. */
  async exportBackup(passphrase: string): Promise<{ fileName: string; text: string }> {
    const key = await this.#keys.load();
    if (!key) throw new Error('This browser holds no identity.');
    const text = await exportBackup(key, await this.#keys.deviceKey(), passphrase);
    return { fileName: backupFileName(key.address), text };
  }

  async #open(info: SessionInfo): Promise<void> {
    this.#info = info;
    this.me = { address: info.address, displayName: info.displayName };
    this.chats = new Chats(info.address);
    // What this device saved last time, shown at once: the server may not answer for a while.
    this.#cache = new OfflineCache(this.options.kv, info.address);
    const saved = await this.#cache.load();
    if (saved) {
      this.chats = Chats.restore(info.address, saved.chats);
      this.contacts = saved.contacts;
      this.blocked = saved.blocked;
      this.showingSaved = true;
    }
    this.#conn = new Connection({
      url: this.options.wsUrl,
      token: info.token,
      onState: (state) => {
        this.#set({ connection: state });
        if (state === 'online') void this.#whenOnline();
      },
      onSessionEnded: () => void this.#sessionEnded(),
    });
    this.#feed = new FeedFollower({
      query: stringifyDocument(Feed),
      subscribe: this.#conn.subscribe,
      kv: this.options.kv,
      onItem: (item) => this.#onItem(item),
      onResync: () => this.refresh(),
      onError: (error) => this.#set({ error: messageOf(error) }),
    });
    this.#conn.subscribe<{ typing: { from: string } }>(stringifyDocument(TypingSubscription), () => ({}), {
      next: (result) => {
        if (result.data) this.typing.received(result.data.typing.from);
      },
      error: () => {},
      complete: () => {},
    });
    this.held = null;
    this.notice = null;
    this.canBackUp = !!(await this.#keys.load())?.sealed;
    this.#set({ phase: 'signed-in', error: null });
    await this.refresh();
    await this.#feed.start();
  }

  async #whenOnline(): Promise<void> {
    await this.outbox.flush((m) => this.#send(m.id, m.to, m.body));
    // Stopped by a transient refusal (a rate limit, an outage) while the socket is up: nothing
    // else would wake the outbox, so it tries again shortly.
    if (this.connection === 'online' && this.outbox.items.some((m) => !m.failed)) {
      setTimeout(() => void this.#whenOnline(), 2000);
    }
  }

  /**
   * The session ended. Expired: sign in again with the key, silently. Ended on purpose (signed
   * out from another device): back to the signed-out screen, the key kept, signing in again
   * left to the person.
   */
  async #sessionEnded(): Promise<void> {
    if (this.#leaving || !this.#conn) return;
    this.#close();
    if (await this.session.expired()) {
      await this.session.forgetToken();
      await this.start();
      return;
    }
    await this.session.markEnded();
    this.#reset();
    this.notice = 'You were signed out of this device (signed out of all devices, from one of them).';
    await this.start();
  }

  /** Refetches conversations and contacts (start, reconnect, resync). */
  async refresh(): Promise<void> {
    const [contacts, conversations] = await Promise.all([
      this.api.request(Contacts, {}),
      this.api.request(Conversations, {}),
    ]);
    this.contacts = contacts.contacts;
    this.blocked = contacts.settings.blocked;
    this.settings = {
      doNotDisturb: contacts.settings.doNotDisturb,
      nonContactCalls: contacts.settings.nonContactCalls,
    };
    this.plan = contacts.plan;
    this.chats?.setConversations(conversations.conversations);
    this.showingSaved = false;
    if (this.openPeer) await this.open(this.openPeer);
    this.changed();
  }

  async #onItem(item: FeedItem): Promise<void> {
    const chats = this.chats;
    if (!chats) return;
    // Each new feed item as it arrives, for observers (the embed frame's events).
    this.dispatchEvent(new CustomEvent<FeedItem>('item', { detail: item }));
    // A first message from someone: the server knows whether it is a request (not a contact).
    const isNewPeer =
      item.__typename === 'MessageAdded' && !item.message.outgoing && !chats.conversation(item.message.from);
    chats.apply(item, this.openPeer);
    if (isNewPeer) {
      chats.setConversations((await this.api.request(Conversations, {})).conversations);
    }
    // A call that goes wrong must not hold up the messages behind it.
    await this.calls.onItem(item).catch((error) => this.#set({ error: messageOf(error) }));
    switch (item.__typename) {
      case 'MessageAdded':
        if (!item.message.outgoing) {
          const peer = item.message.from;
          this.typing.stopped(peer);
          await this.api.request(MarkDelivered, { peer, upTo: item.message.position });
          if (peer === this.openPeer && isVisible()) await this.markRead(peer);
        }
        break;
      case 'CallUpdated':
        if (this.callHistory && !['PLACED', 'RINGING', 'ACCEPTED'].includes(item.call.status)) {
          await this.loadCallHistory();
        }
        break;
      case 'AddressBookChanged':
        // Requests accepted or declined (here or on another device) change the list too.
        await this.refresh();
        break;
      case 'IdentityUpdated':
        if (this.me && item.identity.address === this.me.address) {
          this.me = { ...this.me, displayName: item.identity.displayName };
        }
        break;
      case 'SessionEnded':
        if (item.sessionId === this.#info?.sessionId) await this.#sessionEnded();
        break;
    }
    this.changed();
  }

  /** Opens a conversation: loads its latest history and marks it read. */
  async open(peer: string): Promise<void> {
    this.openPeer = peer;
    // Shown at once with what is known (offline: the saved messages); the page comes when it can.
    this.changed();
    const page = await this.api.request(History, { with: peer, last: PAGE });
    this.chats?.addHistory(peer, page.messages.messages, page.messages.hasMore ? page.messages.before : null);
    this.changed();
    if (isVisible()) await this.markRead(peer);
  }

  /** Loads the next older page of a conversation; false when there is none. */
  async loadOlder(peer: string): Promise<boolean> {
    const before = this.chats?.olderCursor(peer) ?? null;
    if (before === null) return false;
    const page = await this.api.request(History, { with: peer, before, last: PAGE });
    this.chats?.addHistory(peer, page.messages.messages, page.messages.hasMore ? page.messages.before : null);
    this.changed();
    return true;
  }

  close(): void {
    this.openPeer = null;
    this.changed();
  }

  async markRead(peer: string): Promise<void> {
    const upTo = this.chats?.lastIncoming(peer) ?? 0;
    this.chats?.markReadLocally(peer);
    this.changed();
    if (upTo > 0) await this.api.request(MarkRead, { peer, upTo });
  }

  /** Writes a message: into the outbox first (shown pending), then sent when online. */
  async send(to: string, body: string): Promise<void> {
    await this.outbox.add({ id: crypto.randomUUID(), to, body, createdAt: Date.now() });
    if (this.connection === 'online') await this.#whenOnline();
  }

  async #send(id: string, to: string, body: string): Promise<void> {
    await this.api.request(SendMessage, { input: { id, to, body } });
  }

  /** Edits one of our messages (the server allows 15 minutes); everyone sees the new text. */
  async editMessage(id: string, body: string): Promise<void> {
    const { editMessage } = await this.api.request(EditMessage, { id, body });
    this.chats?.changeMessage(editMessage);
    this.changed();
  }

  /** Deletes one of our messages for everyone (within 48 hours). */
  async deleteMessage(id: string): Promise<void> {
    const { deleteMessage } = await this.api.request(DeleteMessage, { id });
    this.chats?.changeMessage(deleteMessage);
    this.changed();
  }

  async loadCallHistory(): Promise<void> {
    this.callHistory = (await this.api.request(CallHistory, { last: 50 })).callHistory.calls;
    this.changed();
  }

  /** The composer changed: tell the peer we are typing (throttled; best effort). */
  typed(peer: string): void {
    if (this.connection === 'online' && this.typing.shouldSend(peer)) {
      this.api.request(SendTyping, { to: peer }).catch(() => {});
    }
  }

  /** A message request becomes a conversation with a contact. */
  async acceptRequest(peer: string, nickname?: string): Promise<void> {
    await this.api.request(AcceptMessageRequest, { address: peer, ...(nickname ? { nickname } : {}) });
    await this.refresh();
  }

  async declineRequest(peer: string): Promise<void> {
    await this.api.request(DeclineMessageRequest, { address: peer });
    if (this.openPeer === peer) this.openPeer = null;
    await this.refresh();
  }

  async block(address: string): Promise<void> {
    await this.api.request(BlockContact, { address });
    await this.refresh();
  }

  async unblock(address: string): Promise<void> {
    await this.api.request(UnblockContact, { address });
    await this.refresh();
  }

  async addContact(address: string, nickname: string): Promise<void> {
    await this.api.request(AddContact, { address, nickname });
    this.contacts = (await this.api.request(Contacts, {})).contacts;
    this.changed();
  }

  async renameContact(address: string, nickname: string): Promise<void> {
    await this.api.request(RenameContact, { address, nickname });
    await this.refresh();
  }

  async removeContact(address: string): Promise<void> {
    await this.api.request(RemoveContact, { address });
    await this.refresh();
  }

  async setAlwaysAllowed(address: string, alwaysAllowed: boolean): Promise<void> {
    await this.api.request(SetAlwaysAllowed, { address, alwaysAllowed });
    await this.refresh();
  }

  async setDoNotDisturb(on: boolean): Promise<void> {
    await this.api.request(SetDoNotDisturb, { on });
    await this.refresh();
  }

  async setNonContactCalls(policy: NonContactCallPolicy): Promise<void> {
    await this.api.request(SetNonContactCalls, { policy });
    await this.refresh();
  }

  async changeDisplayName(displayName: string): Promise<void> {
    const { changeDisplayName } = await this.api.request(ChangeDisplayName, { displayName });
    if (this.me) this.me = { ...this.me, displayName: changeDisplayName.displayName };
    this.changed();
  }

  /**
   * The embed's verified handover: the server checks the host site's signed assertion for
   * `site` (the host origin the frame validated) and records that the site vouches for us.
   */
  async verifyEmbedHandover(
    assertion: string,
    site: string,
  ): Promise<{ site: string; subject: string; name: string | null; expiresAt: number }> {
    const { verifyEmbedHandover } = await this.api.request(VerifyEmbedHandover, { assertion, site });
    return verifyEmbedHandover;
  }

  /**
   * Ends the session and removes the identity from this browser. The socket is closed first
   * and the server told over HTTP, within SIGN_OUT_TIMEOUT_MS: over the socket, the request
   * waited for a socket that was reconnecting (backoff up to 30 s, or for ever with the server
   * unreachable), and could lose its answer to the server closing that socket for the ended
   * session. Unanswered, the server's session still ends when it expires; this browser forgets
   * it either way.
   */
  async signOut(): Promise<void> {
    this.#leaving = true;
    try {
      const token = this.#info?.token;
      this.#close();
      if (token) {
        const url = new URL('/graphql', this.options.wsUrl.replace(/^ws/, 'http')).href;
        await publicApi(url, token, SIGN_OUT_TIMEOUT_MS)
          .request(SignOut, {})
          .catch(() => {});
      }
      await this.#feed?.reset();
      await this.outbox.clear();
      await this.#clearCache();
      await this.session.forgetAll();
      this.#reset();
      this.held = null;
      this.notice = null;
      this.#set({ phase: 'signed-out', connection: 'offline' });
    } finally {
      this.#leaving = false;
    }
  }

  /**
   * Ends every session of this identity, this device's too (other devices fall back to their
   * signed-out screen). Sent over HTTP: the answer must not race the closing socket. The key
   * stays here, so this device (like any other holding the key) can sign in again.
   * Returns how many sessions ended.
   */
  async signOutEverywhere(): Promise<number> {
    const info = this.#info;
    if (!info) throw new ApiError('not signed in', 'UNAUTHENTICATED');
    this.#leaving = true;
    try {
      const http = publicApi(new URL('/graphql', this.options.wsUrl.replace(/^ws/, 'http')).href, info.token);
      const { signOutEverywhere } = await http.request(SignOutEverywhere, {});
      this.#close();
      await this.session.markEnded();
      this.#reset();
      this.notice = `Signed out of all devices (${signOutEverywhere} ${signOutEverywhere === 1 ? 'session' : 'sessions'}).`;
      await this.start();
      return signOutEverywhere;
    } finally {
      this.#leaving = false;
    }
  }

  /** Forgets what was shown for the identity (not the key, not the feed position). */
  #reset(): void {
    this.#info = null;
    this.me = null;
    this.openPeer = null;
    this.chats = null;
    this.contacts = [];
    this.settings = null;
    this.plan = null;
    this.callHistory = null;
    this.canBackUp = false;
    this.showingSaved = false;
    this.connection = 'offline';
  }

  /** Drops the saved view of the identity (offline reading) from this browser. */
  async #clearCache(): Promise<void> {
    const cache = this.#cache;
    this.#cache = null;
    await cache?.clear();
  }

  /** Removes the key this browser still holds after being signed out elsewhere. */
  async forgetIdentity(): Promise<void> {
    await this.#feed?.reset();
    await this.outbox.clear();
    await this.#clearCache();
    await this.session.forgetAll();
    this.held = null;
    this.notice = null;
    this.#set({ phase: 'signed-out' });
  }

  #close(): void {
    this.#feed?.stop();
    this.#conn?.close();
    this.#conn = null;
  }

  #set(patch: Partial<Pick<CallVaultClient, 'phase' | 'connection' | 'error'>>): void {
    Object.assign(this, patch);
    this.changed();
  }
}

/** How long sign-out waits for the server before forgetting the session locally anyway. */
export const SIGN_OUT_TIMEOUT_MS = 5000;

const isVisible = () => typeof document === 'undefined' || document.visibilityState === 'visible';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
