import { css } from 'lit';
import { sharedStyles } from '../internal/shared.styles.ts';

/** One pane on phones (list or chat), two side by side from 800 px. */
export const styles = [
  sharedStyles,
  css`
    :host {
      display: block;
      height: 100%;
    }
    .frame {
      display: flex;
      flex-direction: column;
      height: 100%;
    }
    .shell {
      display: grid;
      grid-template-columns: 1fr;
      /* One row, exactly the height left under the note: the panes scroll inside it. */
      grid-template-rows: minmax(0, 1fr);
      flex: 1;
      min-height: 0;
    }
    .saved {
      margin: 0;
      padding: 0.4rem 1rem;
      font-size: 0.875rem;
      background: var(--cv-surface);
      border-bottom: 1px solid var(--cv-border);
    }
    aside {
      display: flex;
      flex-direction: column;
      min-height: 0;
      background: var(--cv-surface);
      border-inline-end: 1px solid var(--cv-border);
    }
    .top {
      display: flex;
      align-items: center;
      justify-content: space-between;
      padding: 0.6rem 1rem;
      border-bottom: 1px solid var(--cv-border);
    }
    .top h1 {
      font-size: 1.15rem;
      margin: 0;
    }
    nav {
      display: flex;
      border-bottom: 1px solid var(--cv-border);
    }
    nav button {
      flex: 1;
      border: none;
      border-radius: 0;
      background: transparent;
      border-bottom: 3px solid transparent;
    }
    nav button[aria-current='page'] {
      border-bottom-color: var(--cv-accent);
      font-weight: 700;
    }
    .list {
      flex: 1;
      overflow-y: auto;
    }
    main {
      min-height: 0;
      display: none;
      background: var(--cv-bg);
    }
    .shell.chat-open aside {
      display: none;
    }
    .shell.chat-open main {
      display: block;
    }
    .placeholder {
      display: grid;
      place-items: center;
      height: 100%;
      color: var(--cv-muted);
      padding: 1rem;
      text-align: center;
    }
    .banner {
      background: var(--cv-danger);
      color: #fff;
      padding: 0.4rem 1rem;
      font-size: 0.875rem;
    }
    @media (min-width: 800px) {
      .shell {
        grid-template-columns: minmax(18rem, 24rem) 1fr;
      }
      .shell aside,
      .shell.chat-open aside {
        display: flex;
      }
      main,
      .shell.chat-open main {
        display: block;
      }
      cv-chat {
        --cv-back-display: none;
      }
    }
  `,
];
