import { type ContactsCommand, contactsDecider } from '../../events/contacts/decide.ts';
import { contactsStream, type NonContactCallPolicy } from '../../events/contacts/events.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { handle } from '../write.ts';
import type { ContactQueries } from './queries.ts';

/** Commands for address books, blocks, do-not-disturb and message requests. */
export class ContactCommands {
  constructor(
    private readonly log: EventLog,
    private readonly readModels: ReadModels,
    private readonly queries: { contacts: ContactQueries; identity: IdentityQueries },
  ) {}

  private async run(viewer: Viewer, command: ContactsCommand, metadata: EventMetadata): Promise<void> {
    await handle(
      { log: this.log, readModels: this.readModels },
      { stream: contactsStream(viewer.address), decider: contactsDecider, strategy: 'fold' },
      command,
      { ...metadata, actor: viewer.address },
    );
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
    if (!(await this.queries.identity.exists(address))) {
      throw new DomainError('NOT_FOUND', 'no identity has this address');
    }
  }

  async add(viewer: Viewer, address: string, nickname: string, m: EventMetadata) {
    await this.existing(address);
    await this.run(viewer, { type: 'AddContact', owner: viewer.address, address, nickname }, m);
    return this.queries.contacts.contact(viewer.address, address)!;
  }

  async rename(viewer: Viewer, address: string, nickname: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(viewer, { type: 'RenameContact', address, nickname }, m);
    return this.queries.contacts.contact(viewer.address, address)!;
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
    return this.queries.contacts.contact(viewer.address, address)!;
  }

  async setDoNotDisturb(viewer: Viewer, on: boolean, m: EventMetadata) {
    await this.run(viewer, { type: 'SetDoNotDisturb', on }, m);
    return this.queries.contacts.book(viewer.address);
  }

  async setNonContactCalls(viewer: Viewer, policy: NonContactCallPolicy, m: EventMetadata) {
    await this.run(viewer, { type: 'SetNonContactCalls', policy }, m);
    return this.queries.contacts.book(viewer.address);
  }

  async acceptRequest(
    viewer: Viewer,
    address: string,
    nickname: string | null | undefined,
    m: EventMetadata,
  ) {
    this.wellFormed(address);
    const name = nickname ?? this.queries.identity.displayNameOf(address) ?? address.slice(0, 12);
    await this.run(
      viewer,
      {
        type: 'AcceptMessageRequest',
        address,
        nickname: name,
        pending: this.queries.contacts.isRequest(viewer.address, address),
      },
      m,
    );
    return this.queries.contacts.contact(viewer.address, address)!;
  }

  async declineRequest(viewer: Viewer, address: string, m: EventMetadata) {
    this.wellFormed(address);
    await this.run(
      viewer,
      {
        type: 'DeclineMessageRequest',
        address,
        pending: this.queries.contacts.isRequest(viewer.address, address),
      },
      m,
    );
    return true;
  }
}
