import { CvOnboarding } from './cv-onboarding.ts';

customElements.define('cv-onboarding', CvOnboarding);

declare global {
  interface HTMLElementTagNameMap {
    'cv-onboarding': CvOnboarding;
  }
}
