/** Facts about one identity's address book and call settings (stream `contacts-<owner>`). */
export type ContactsEvent =
  | { type: 'ContactAdded'; data: { address: string; nickname: string } }
  | { type: 'ContactRenamed'; data: { address: string; nickname: string } }
  | { type: 'ContactRemoved'; data: { address: string } }
  | { type: 'ContactBlocked'; data: { address: string } }
  | { type: 'ContactUnblocked'; data: { address: string } }
  | { type: 'ContactAlwaysAllowedSet'; data: { address: string; alwaysAllowed: boolean } }
  | { type: 'DoNotDisturbSet'; data: { on: boolean } }
  | { type: 'NonContactCallsSet'; data: { policy: NonContactCallPolicy } }
  | { type: 'MessageRequestAccepted'; data: { address: string; nickname: string } }
  | { type: 'MessageRequestDeclined'; data: { address: string } };

export type NonContactCallPolicy = 'ring' | 'silence';
export type ContactsEventType = ContactsEvent['type'];

export const CONTACTS_STREAM_PREFIX = 'contacts-';
export const contactsStream = (owner: string) => `${CONTACTS_STREAM_PREFIX}${owner}`;
