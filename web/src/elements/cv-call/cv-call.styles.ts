import { css } from 'lit';
import { sharedStyles } from '../../internal/shared.styles.ts';

export const styles = [
  sharedStyles,
  css`
    :host {
      position: fixed;
      inset: 0;
      z-index: 10;
      display: flex;
      flex-direction: column;
      background: #0b0d12;
      color: #f2f4f8;
    }
    .stage {
      position: relative;
      flex: 1;
      min-height: 0;
    }
    video.remote {
      width: 100%;
      height: 100%;
      object-fit: cover;
      background: #000;
    }
    video.local {
      position: absolute;
      right: 1rem;
      bottom: 1rem;
      width: min(30%, 12rem);
      aspect-ratio: 4 / 3;
      object-fit: cover;
      border-radius: var(--cv-radius);
      border: 2px solid #fff3;
      background: #222;
    }
    .info {
      position: absolute;
      top: 1.5rem;
      left: 0;
      right: 0;
      text-align: center;
      text-shadow: 0 1px 3px #000;
    }
    .info h2 {
      margin: 0;
      font-size: 1.5rem;
    }
    .info .addr {
      margin: 0.2rem 0 0;
      font-family: ui-monospace, monospace;
      font-size: 0.8rem;
      opacity: 0.85;
    }
    .controls {
      display: flex;
      gap: 0.75rem;
      justify-content: center;
      flex-wrap: wrap;
      padding: 1rem;
      background: #0b0d12;
    }
    .controls button {
      min-width: 6.5rem;
      background: #232833;
      color: #f2f4f8;
      border-color: #3a4150;
    }
    .controls button[aria-pressed='true'] {
      background: #f2f4f8;
      color: #0b0d12;
    }
    .controls button.accept {
      background: #1b7f3b;
      border-color: #1b7f3b;
    }
    .controls button.end {
      background: #b3261e;
      border-color: #b3261e;
    }
    .info .duration {
      margin: 0.2rem 0 0;
      font-variant-numeric: tabular-nums;
    }
    details.devices {
      position: relative;
    }
    details.devices summary {
      cursor: pointer;
      padding: 0.55rem 0.9rem;
      border: 1px solid #3a4150;
      border-radius: var(--cv-radius);
      background: #232833;
      list-style: none;
    }
    details.devices summary::-webkit-details-marker {
      display: none;
    }
    .device-list {
      position: absolute;
      bottom: calc(100% + 0.5rem);
      right: 0;
      display: flex;
      flex-direction: column;
      gap: 0.6rem;
      min-width: min(18rem, 90vw);
      padding: 0.8rem;
      border-radius: var(--cv-radius);
      background: #1a1e27;
      border: 1px solid #3a4150;
    }
    .device-list .device {
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
      font-size: 0.85rem;
    }
    .device-list select {
      background: #0b0d12;
      color: #f2f4f8;
      border: 1px solid #3a4150;
      border-radius: var(--cv-radius);
      padding: 0.4rem;
      max-width: 100%;
    }
    :focus-visible {
      outline-color: #8cc4ff;
    }
  `,
];
