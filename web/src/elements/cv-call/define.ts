import { CvCall } from './cv-call.ts';

customElements.define('cv-call', CvCall);

declare global {
  interface HTMLElementTagNameMap {
    'cv-call': CvCall;
  }
}
