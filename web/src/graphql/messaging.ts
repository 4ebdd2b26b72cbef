import { graphql } from '../gql/index.js';

export const Contacts = graphql(`
  query Contacts {
    contacts {
      address
      nickname
      displayName
      alwaysAllowed
    }
    settings {
      doNotDisturb
      nonContactCalls
      blocked
    }
    plan
  }
`);

export const AddContact = graphql(`
  mutation AddContact($address: String!, $nickname: String!) {
    addContact(address: $address, nickname: $nickname) {
      address
      nickname
      displayName
    }
  }
`);

export const Conversations = graphql(`
  query Conversations($requests: Boolean) {
    conversations(requests: $requests) {
      peer
      nickname
      displayName
      isRequest
      unreadCount
      lastMessage {
        id
        body
        sentAt
        outgoing
        status
      }
    }
  }
`);

export const History = graphql(`
  query History($with: String!, $before: Position, $last: Int) {
    messages(with: $with, before: $before, last: $last) {
      hasMore
      before
      messages {
        id
        position
        from
        body
        sentAt
        editedAt
        deleted
        outgoing
        status
      }
    }
  }
`);

export const SendMessage = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      position
      status
      sentAt
    }
  }
`);

export const MarkRead = graphql(`
  mutation MarkRead($peer: String!, $upTo: Position!) {
    markRead(peer: $peer, upTo: $upTo)
  }
`);

export const MarkDelivered = graphql(`
  mutation MarkDelivered($peer: String!, $upTo: Position!) {
    markDelivered(peer: $peer, upTo: $upTo)
  }
`);

export const SendTyping = graphql(`
  mutation SendTyping($to: String!) {
    sendTyping(to: $to)
  }
`);

export const Typing = graphql(`
  subscription Typing {
    typing {
      from
      at
    }
  }
`);

export const EditMessage = graphql(`
  mutation EditMessage($id: ID!, $body: String!) {
    editMessage(id: $id, body: $body) {
      id
      body
      deleted
      editedAt
    }
  }
`);

export const DeleteMessage = graphql(`
  mutation DeleteMessage($id: ID!) {
    deleteMessage(id: $id) {
      id
      body
      deleted
      editedAt
    }
  }
`);

export const AcceptMessageRequest = graphql(`
  mutation AcceptMessageRequest($address: String!, $nickname: String) {
    acceptMessageRequest(address: $address, nickname: $nickname) {
      address
      nickname
    }
  }
`);

export const DeclineMessageRequest = graphql(`
  mutation DeclineMessageRequest($address: String!) {
    declineMessageRequest(address: $address)
  }
`);

export const BlockContact = graphql(`
  mutation BlockContact($address: String!) {
    blockContact(address: $address)
  }
`);

export const UnblockContact = graphql(`
  mutation UnblockContact($address: String!) {
    unblockContact(address: $address)
  }
`);

export const RenameContact = graphql(`
  mutation RenameContact($address: String!, $nickname: String!) {
    renameContact(address: $address, nickname: $nickname) {
      address
      nickname
    }
  }
`);

export const RemoveContact = graphql(`
  mutation RemoveContact($address: String!) {
    removeContact(address: $address)
  }
`);

export const SetAlwaysAllowed = graphql(`
  mutation SetAlwaysAllowed($address: String!, $alwaysAllowed: Boolean!) {
    setAlwaysAllowed(address: $address, alwaysAllowed: $alwaysAllowed) {
      address
      alwaysAllowed
    }
  }
`);

export const SetDoNotDisturb = graphql(`
  mutation SetDoNotDisturb($on: Boolean!) {
    setDoNotDisturb(on: $on) {
      doNotDisturb
    }
  }
`);

export const SetNonContactCalls = graphql(`
  mutation SetNonContactCalls($policy: NonContactCallPolicy!) {
    setNonContactCalls(policy: $policy) {
      nonContactCalls
    }
  }
`);
