import { css } from 'lit';

export const adminStyles = css`
  :host {
    display: block;
    padding: 1rem;
    max-width: 70rem;
    margin: 0 auto;
  }
  section {
    margin-bottom: 1.5rem;
  }
  h1 {
    font-size: 1.3rem;
  }
  h2 {
    font-size: 1.05rem;
    margin: 0 0 0.6rem;
  }
  form {
    display: flex;
    gap: 0.5rem;
    align-items: end;
    flex-wrap: wrap;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    font-size: 0.9rem;
  }
  input,
  select {
    min-height: 2.5rem;
    padding: 0 0.5rem;
    border: 1px solid var(--cv-border);
    border-radius: var(--cv-radius);
    background: var(--cv-surface);
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.85rem;
  }
  th,
  td {
    text-align: left;
    padding: 0.3rem 0.4rem;
    border-bottom: 1px solid var(--cv-border);
    vertical-align: top;
  }
  td.data {
    font-family: ui-monospace, monospace;
    word-break: break-all;
    max-width: 28rem;
  }
  pre {
    white-space: pre-wrap;
    word-break: break-all;
    font-size: 0.85rem;
    border: 1px solid var(--cv-border);
    border-radius: var(--cv-radius);
    padding: 0.6rem;
  }
  progress {
    width: 100%;
  }
  .error {
    color: var(--cv-danger);
  }
  .ok {
    font-weight: 600;
  }
  button.link {
    border: none;
    background: none;
    padding: 0;
    min-height: 0;
    text-decoration: underline;
    color: inherit;
    font-family: ui-monospace, monospace;
  }
`;
