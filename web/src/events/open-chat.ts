/** A conversation was chosen (list, contacts): the app shows it. */
export class OpenChatEvent extends Event {
  static readonly type = 'cv-open-chat';
  constructor(readonly peer: string) {
    super(OpenChatEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'cv-open-chat': OpenChatEvent;
  }
}
