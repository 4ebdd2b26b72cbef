import { CvCallHistory } from './cv-call-history.ts';

customElements.define('cv-call-history', CvCallHistory);

declare global {
  interface HTMLElementTagNameMap {
    'cv-call-history': CvCallHistory;
  }
}
