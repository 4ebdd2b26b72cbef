import { css } from 'lit';
import { sharedStyles } from '../../internal/shared.styles.ts';

export const styles = [
  sharedStyles,
  css`
    :host {
      display: grid;
      place-items: center;
      min-height: 100%;
      padding: 1rem;
      box-sizing: border-box;
    }
    main {
      /* Padding inside the width: at 360 px the card must not push the page sideways. */
      box-sizing: border-box;
      width: min(26rem, 100%);
      background: var(--cv-surface);
      border: 1px solid var(--cv-border);
      border-radius: calc(var(--cv-radius) * 1.5);
      padding: 1.5rem;
    }
    h1 {
      margin: 0 0 0.5rem;
    }
    form button,
    .stack button {
      width: 100%;
      margin-top: 0.5rem;
    }
    details {
      margin-top: 1.25rem;
      border-top: 1px solid var(--cv-border);
      padding-top: 0.75rem;
    }
    summary {
      cursor: pointer;
      font-weight: 600;
    }
    details label {
      margin-top: 0.6rem;
    }
    code {
      overflow-wrap: anywhere;
    }
  `,
];
