import type { ChatMessage } from '../../client/chats.ts';

/** The mark after one of our messages, and what a screen reader says for it. */
export function markOf(status: ChatMessage['status']): { mark: string; label: string } {
  switch (status) {
    case 'PENDING':
      return { mark: '◷', label: 'waiting to send' };
    case 'FAILED':
      return { mark: '!', label: 'not sent' };
    case 'READ':
      return { mark: '✓✓', label: 'read' };
    case 'DELIVERED':
      return { mark: '✓✓', label: 'delivered' };
    default:
      return { mark: '✓', label: 'sent' };
  }
}
