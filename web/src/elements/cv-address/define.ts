import { CvAddress } from './cv-address.ts';

customElements.define('cv-address', CvAddress);

declare global {
  interface HTMLElementTagNameMap {
    'cv-address': CvAddress;
  }
}
