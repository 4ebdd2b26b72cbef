import { css } from 'lit';
import { sharedStyles } from '../../internal/shared.styles.ts';

export const styles = [
  sharedStyles,
  css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100%;
      min-height: 0;
    }
    header {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      padding: 0.5rem 0.75rem;
      border-bottom: 1px solid var(--cv-border);
      background: var(--cv-surface);
    }
    .who {
      flex: 1;
      min-width: 0;
    }
    .typing {
      margin: 0;
      min-height: 1rem;
      font-size: 0.8rem;
      color: var(--cv-accent);
    }
    header h2 {
      font-size: 1.05rem;
      margin: 0;
      min-width: 0;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    /* Phones only: on wide screens the list pane beside it has both. */
    .back {
      display: var(--cv-back-display, inline-block);
    }
    .status {
      display: var(--cv-back-display, inline-flex);
    }
    .log {
      flex: 1;
      overflow-y: auto;
      min-height: 0;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0.75rem;
      display: flex;
      flex-direction: column;
      gap: 0.35rem;
    }
    li.day {
      align-self: center;
      color: var(--cv-muted);
      font-size: 0.8rem;
      margin: 0.5rem 0;
    }
    li.msg {
      max-width: min(75%, 36rem);
      padding: 0.45rem 0.7rem;
      border-radius: var(--cv-radius);
      background: var(--cv-bubble-in);
      border: 1px solid var(--cv-border);
      align-self: flex-start;
      overflow-wrap: anywhere;
    }
    .body {
      white-space: pre-wrap;
    }
    li.msg.out {
      align-self: flex-end;
      background: var(--cv-bubble-out);
    }
    .meta {
      display: block;
      text-align: end;
      font-size: 0.75rem;
      color: var(--cv-muted);
      margin-top: 0.15rem;
      white-space: nowrap;
    }
    .mark[data-status='READ'] {
      color: var(--cv-accent);
      font-weight: 700;
    }
    .mark[data-status='FAILED'] {
      color: var(--cv-danger);
    }
    .request {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      padding: 0.6rem 0.75rem;
      background: var(--cv-surface);
      border-bottom: 1px solid var(--cv-border);
    }
    .request p {
      margin: 0;
      flex: 1 1 12rem;
    }
    .older {
      display: block;
      margin: 0.5rem auto 0;
    }
    .more {
      min-height: 0;
      min-width: 0;
      padding: 0 0.35rem;
      margin-inline-start: 0.3rem;
      border: none;
      background: transparent;
      color: inherit;
    }
    .actions {
      display: flex;
      gap: 0.4rem;
      margin-top: 0.4rem;
      justify-content: flex-end;
    }
    .actions button {
      min-height: 2rem;
      padding: 0.25rem 0.6rem;
      font-size: 0.875rem;
    }
    form.edit {
      display: flex;
      gap: 0.4rem;
      border: none;
      padding: 0;
      background: transparent;
    }
    .deleted {
      font-style: italic;
      color: var(--cv-muted);
    }
    form {
      display: flex;
      gap: 0.5rem;
      padding: 0.6rem;
      border-top: 1px solid var(--cv-border);
      background: var(--cv-surface);
    }
    textarea {
      resize: none;
      height: 2.6rem;
      flex: 1;
    }
  `,
];
