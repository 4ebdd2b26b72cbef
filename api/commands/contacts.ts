import { type ContactsCommand, type ContactsState, contactsDecider } from '../../events/contacts/decide.ts';
import { contactsStream, type NonContactCallPolicy } from '../../events/contacts/events.ts';
import { bookOf } from '../../events/contacts/projection.ts';
import { handleCommand } from '../../events/shared/decider.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from './identity.ts';

export interface ContactView {
  address: string;
  nickname: string;
  alwaysAllowed: boolean;
  displayName: string | null;
}

/** Command handlers and reads for address books, blocks, DND and message requests. */
export class ContactCommands {
  constructor(
    private readonly log: EventLog,
    private readonly readModels: ReadModels,
  ) {}

  book(owner: string): ContactsState {
    return bookOf(this.readModels.addressBooks.state, owner);
  }

  private async run(viewer: Viewer, command: ContactsCommand, metadata: EventMetadata): Promise<void> {
    const { append } = await handleCommand(
      this.log,
      contactsStream(viewer.address),
      contactsDecider,
      command,
      {
        ...metadata,
        actor: viewer.address,
      },
    );
    if (append) await this.readModels.waitFor(append.lastPosition);
  }

  /** A malformed address is refused as such, never taken as "no such contact". */
  private wellFormed(address: string): void {
    const problem = addressProblem(address);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
  }

  /** A peer must be a well-formed address of a registered identity. */
  private async existing(address: string): Promise<void> {
    const problem = addressProblem(address);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    if (!this.readModels.directory.state.identities.has(address)) {
      await this.readModels.sync();
      if (!this.readModels.directory.state.identities.has(address)) {
        throw new DomainError('NOT_FOUND', 'no identity has this address');
      }
    }
  }

  contacts(owner: string): ContactView[] {
    const identities = this.readModels.directory.state.identities;
    return [...this.book(owner).contacts]
      .map(([address, c]) => ({ address, ...c, displayName: identities.get(address)?.displayName ?? null }))
      .sort((a, b) => a.nickname.localeCompare(b.nickname));
  }

  contact(owner: string, address: string): ContactView | null {
    return this.contacts(owner).find((c) => c.address === address) ?? null;
  }

  /** True when `owner` has a pending message request from `peer`. */
  isRequest(owner: string, peer: string): boolean {
    const book = this.book(owner);
    if (book.contacts.has(peer) || book.blocked.has(peer)) return false;
    const c = this.readModels.conversations.state.byOwner.get(owner)?.get(peer);
    const lastFromPeer = c?.fromPeer[c.fromPeer.length - 1] ?? 0;
    return lastFromPeer > (this.readModels.addressBooks.state.declined.get(`${owner} ${peer}`) ?? 0);
  }

  async add(viewer: Viewer, address: string, nickname: string, m: EventMetadata) {
    await this.existing(address);
    await this.run(viewer, { type: 'AddContact', owner: viewer.address, address, nickname }, m);
    return this.contact(viewer.address, address)!;
  }

  async rename(viewer: Viewer, address: string, nickname: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(viewer, { type: 'RenameContact', address, nickname }, m);
    return this.contact(viewer.address, address)!;
  }

  async remove(viewer: Viewer, address: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(viewer, { type: 'RemoveContact', address }, m);
    return true;
  }

  async block(viewer: Viewer, address: string, m: EventMetadata) {
    await this.existing(address);
    await this.run(viewer, { type: 'Block', owner: viewer.address, address }, m);
    return true;
  }

  async unblock(viewer: Viewer, address: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(viewer, { type: 'Unblock', address }, m);
    return true;
  }

  async setAlwaysAllowed(viewer: Viewer, address: string, alwaysAllowed: boolean, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(viewer, { type: 'SetAlwaysAllowed', address, alwaysAllowed }, m);
    return this.contact(viewer.address, address)!;
  }

  async setDoNotDisturb(viewer: Viewer, on: boolean, m: EventMetadata) {
    await this.run(viewer, { type: 'SetDoNotDisturb', on }, m);
    return this.book(viewer.address);
  }

  async setNonContactCalls(viewer: Viewer, policy: NonContactCallPolicy, m: EventMetadata) {
    await this.run(viewer, { type: 'SetNonContactCalls', policy }, m);
    return this.book(viewer.address);
  }

  async acceptRequest(
    viewer: Viewer,
    address: string,
    nickname: string | null | undefined,
    m: EventMetadata,
  ) {
    this.wellFormed(address);
    const name =
      nickname ??
      this.readModels.directory.state.identities.get(address)?.displayName ??
      address.slice(0, 12);
    await this.run(
      viewer,
      {
        type: 'AcceptMessageRequest',
        address,
        nickname: name,
        pending: this.isRequest(viewer.address, address),
      },
      m,
    );
    return this.contact(viewer.address, address)!;
  }

  async declineRequest(viewer: Viewer, address: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(
      viewer,
      { type: 'DeclineMessageRequest', address, pending: this.isRequest(viewer.address, address) },
      m,
    );
    return true;
  }
}
