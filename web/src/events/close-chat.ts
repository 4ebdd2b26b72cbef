/** The open conversation is left (the back button on a phone). */
export class CloseChatEvent extends Event {
  static readonly type = 'cv-close-chat';
  constructor() {
    super(CloseChatEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'cv-close-chat': CloseChatEvent;
  }
}
