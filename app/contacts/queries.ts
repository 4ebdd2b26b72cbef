import type { ContactsState } from '../../events/contacts/decide.ts';
import { bookOf } from '../../events/contacts/projection.ts';
import type { ReadModels } from '../read-models.ts';

/** A contact as the owner sees it: their nickname and settings, and the contact's own name. */
export interface ContactView {
  address: string;
  nickname: string;
  alwaysAllowed: boolean;
  displayName: string | null;
}

/** Reads of address books: contacts, blocks, call settings and pending message requests. */
export class ContactQueries {
  constructor(private readonly readModels: ReadModels) {}

  /** `owner`'s address book and call settings (empty for someone who never changed them). */
  book(owner: string): ContactsState {
    return bookOf(this.readModels.runners.addressBooks.state, owner);
  }

  /** True when `owner` has blocked `other`. */
  hasBlocked(owner: string, other: string): boolean {
    return this.book(owner).blocked.has(other);
  }

  /** The nickname `owner` gave `other`, if `other` is a contact. */
  nicknameOf(owner: string, other: string): string | null {
    return this.book(owner).contacts.get(other)?.nickname ?? null;
  }

  contacts(owner: string): ContactView[] {
    const identities = this.readModels.runners.directory.state.identities;
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
    const c = this.readModels.runners.conversations.state.byOwner.get(owner)?.get(peer);
    const lastFromPeer = c?.fromPeer[c.fromPeer.length - 1] ?? 0;
    return lastFromPeer > (this.readModels.runners.addressBooks.state.declined.get(`${owner} ${peer}`) ?? 0);
  }
}
