import { addressProblem } from '../../protocol/address.ts';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { nameText } from '../shared/text.ts';
import type { ContactsEvent, NonContactCallPolicy } from './events.ts';

export type ContactsCommand =
  | { type: 'AddContact'; owner: string; address: string; nickname: string }
  | { type: 'RenameContact'; address: string; nickname: string }
  | { type: 'RemoveContact'; address: string }
  | { type: 'Block'; owner: string; address: string }
  | { type: 'Unblock'; address: string }
  | { type: 'SetAlwaysAllowed'; address: string; alwaysAllowed: boolean }
  | { type: 'SetDoNotDisturb'; on: boolean }
  | { type: 'SetNonContactCalls'; policy: NonContactCallPolicy }
  | { type: 'AcceptMessageRequest'; address: string; nickname: string; pending: boolean }
  | { type: 'DeclineMessageRequest'; address: string; pending: boolean };

export interface ContactsState {
  contacts: Map<string, { nickname: string; alwaysAllowed: boolean }>;
  blocked: Set<string>;
  doNotDisturb: boolean;
  nonContactCalls: NonContactCallPolicy;
}

export const initialContacts = (): ContactsState => ({
  contacts: new Map(),
  blocked: new Set(),
  doNotDisturb: false,
  nonContactCalls: 'ring',
});

export const NICKNAME_MAX = 64;

function nickname(raw: string): string {
  return nameText(raw, 'nickname', NICKNAME_MAX);
}

function checkAddress(address: string, owner?: string): void {
  const problem = addressProblem(address);
  if (problem) throw new DomainError('ADDRESS_INVALID', problem);
  if (owner !== undefined && address === owner)
    throw new DomainError('BAD_INPUT', 'that is your own address');
}

function requireContact(state: ContactsState, address: string) {
  const c = state.contacts.get(address);
  if (!c) throw new DomainError('NOT_FOUND', 'no such contact');
  return c;
}

export function decideContacts(command: ContactsCommand, state: ContactsState): ContactsEvent[] {
  switch (command.type) {
    case 'AddContact': {
      checkAddress(command.address, command.owner);
      const name = nickname(command.nickname);
      if (state.contacts.has(command.address)) throw new DomainError('CONFLICT', 'already a contact');
      return [{ type: 'ContactAdded', data: { address: command.address, nickname: name } }];
    }
    case 'RenameContact': {
      const c = requireContact(state, command.address);
      const name = nickname(command.nickname);
      return c.nickname === name
        ? []
        : [{ type: 'ContactRenamed', data: { address: command.address, nickname: name } }];
    }
    case 'RemoveContact':
      requireContact(state, command.address);
      return [{ type: 'ContactRemoved', data: { address: command.address } }];
    case 'Block':
      checkAddress(command.address, command.owner);
      return state.blocked.has(command.address)
        ? []
        : [{ type: 'ContactBlocked', data: { address: command.address } }];
    case 'Unblock':
      return state.blocked.has(command.address)
        ? [{ type: 'ContactUnblocked', data: { address: command.address } }]
        : [];
    case 'SetAlwaysAllowed': {
      const c = requireContact(state, command.address);
      return c.alwaysAllowed === command.alwaysAllowed
        ? []
        : [
            {
              type: 'ContactAlwaysAllowedSet',
              data: { address: command.address, alwaysAllowed: command.alwaysAllowed },
            },
          ];
    }
    case 'SetDoNotDisturb':
      return state.doNotDisturb === command.on ? [] : [{ type: 'DoNotDisturbSet', data: { on: command.on } }];
    case 'SetNonContactCalls':
      if (command.policy !== 'ring' && command.policy !== 'silence') {
        throw new DomainError('BAD_INPUT', 'policy must be ring or silence');
      }
      return state.nonContactCalls === command.policy
        ? []
        : [{ type: 'NonContactCallsSet', data: { policy: command.policy } }];
    case 'AcceptMessageRequest': {
      if (!command.pending) throw new DomainError('NOT_FOUND', 'no message request from this address');
      if (state.contacts.has(command.address)) return [];
      return [
        {
          type: 'MessageRequestAccepted',
          data: { address: command.address, nickname: nickname(command.nickname) },
        },
      ];
    }
    case 'DeclineMessageRequest':
      if (!command.pending) throw new DomainError('NOT_FOUND', 'no message request from this address');
      return [{ type: 'MessageRequestDeclined', data: { address: command.address } }];
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export function evolveContacts(state: ContactsState, event: ContactsEvent): ContactsState {
  const contacts = new Map(state.contacts);
  const blocked = new Set(state.blocked);
  switch (event.type) {
    case 'ContactAdded':
    case 'MessageRequestAccepted':
      contacts.set(event.data.address, { nickname: event.data.nickname, alwaysAllowed: false });
      return { ...state, contacts };
    case 'ContactRenamed': {
      const c = contacts.get(event.data.address);
      if (c) contacts.set(event.data.address, { ...c, nickname: event.data.nickname });
      return { ...state, contacts };
    }
    case 'ContactRemoved':
      contacts.delete(event.data.address);
      return { ...state, contacts };
    case 'ContactBlocked':
      blocked.add(event.data.address);
      return { ...state, blocked };
    case 'ContactUnblocked':
      blocked.delete(event.data.address);
      return { ...state, blocked };
    case 'ContactAlwaysAllowedSet': {
      const c = contacts.get(event.data.address);
      if (c) contacts.set(event.data.address, { ...c, alwaysAllowed: event.data.alwaysAllowed });
      return { ...state, contacts };
    }
    case 'DoNotDisturbSet':
      return { ...state, doNotDisturb: event.data.on };
    case 'NonContactCallsSet':
      return { ...state, nonContactCalls: event.data.policy };
    case 'MessageRequestDeclined':
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

export const contactsDecider: Decider<ContactsCommand, ContactsEvent, ContactsState> = {
  decide: decideContacts,
  evolve: evolveContacts,
  initial: initialContacts,
};
