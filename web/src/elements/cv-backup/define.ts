import { CvBackup } from './cv-backup.ts';

customElements.define('cv-backup', CvBackup);

declare global {
  interface HTMLElementTagNameMap {
    'cv-backup': CvBackup;
  }
}
