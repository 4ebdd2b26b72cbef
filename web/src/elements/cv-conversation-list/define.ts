import { CvConversationList } from './cv-conversation-list.ts';

customElements.define('cv-conversation-list', CvConversationList);

declare global {
  interface HTMLElementTagNameMap {
    'cv-conversation-list': CvConversationList;
  }
}
