import { css } from 'lit';

/** Controls shared by every element: readable, labelled, with a visible focus ring. */
export const sharedStyles = css`
  :host {
    color: var(--cv-text);
    font: inherit;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    border: 1px solid var(--cv-border);
    background: var(--cv-surface);
    border-radius: var(--cv-radius);
    padding: 0.5rem 0.9rem;
    cursor: pointer;
    /* A 44 px tap target at the default text size (WCAG 2.5.5). */
    min-height: 2.75rem;
    min-width: 2.75rem;
  }
  button.primary {
    background: var(--cv-accent);
    color: var(--cv-accent-text);
    border-color: var(--cv-accent);
    font-weight: 600;
  }
  button.danger {
    color: var(--cv-danger);
    border-color: var(--cv-danger);
  }
  button:disabled {
    opacity: 0.55;
    cursor: default;
  }
  input,
  textarea {
    border: 1px solid var(--cv-border);
    background: var(--cv-surface);
    border-radius: var(--cv-radius);
    padding: 0.55rem 0.7rem;
    min-height: 2.75rem;
    box-sizing: border-box;
    width: 100%;
  }
  input[aria-invalid='true'] {
    border-color: var(--cv-danger);
  }
  :focus-visible {
    outline: 3px solid var(--cv-focus);
    outline-offset: 2px;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.3rem;
  }
  .hint {
    color: var(--cv-muted);
    font-size: 0.875rem;
  }
  .error {
    color: var(--cv-danger);
    font-size: 0.875rem;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  /* A checkbox or radio beside its label (.check wraps both): sized as a control, not as a text field. */
  .check input {
    width: auto;
    min-height: 0;
    padding: 0;
    margin: 0;
    flex: none;
    inline-size: 1.1rem;
    block-size: 1.1rem;
  }
  .check label {
    margin: 0;
  }
`;
