import '../cv-address/define.ts';
import '../cv-backup/define.ts';
import { CvSettings } from './cv-settings.ts';

customElements.define('cv-settings', CvSettings);

declare global {
  interface HTMLElementTagNameMap {
    'cv-settings': CvSettings;
  }
}
