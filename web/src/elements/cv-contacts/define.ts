import { CvContacts } from './cv-contacts.ts';

customElements.define('cv-contacts', CvContacts);

declare global {
  interface HTMLElementTagNameMap {
    'cv-contacts': CvContacts;
  }
}
