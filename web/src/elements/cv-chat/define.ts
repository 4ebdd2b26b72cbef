import { CvChat } from './cv-chat.ts';

customElements.define('cv-chat', CvChat);

declare global {
  interface HTMLElementTagNameMap {
    'cv-chat': CvChat;
  }
}
