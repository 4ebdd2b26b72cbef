import { CvAdmin } from './cv-admin.ts';

customElements.define('cv-admin', CvAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'cv-admin': CvAdmin;
  }
}
