import { CvConnectionStatus } from './cv-connection-status.ts';

customElements.define('cv-connection-status', CvConnectionStatus);

declare global {
  interface HTMLElementTagNameMap {
    'cv-connection-status': CvConnectionStatus;
  }
}
