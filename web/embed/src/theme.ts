import type { ThemePayload } from './protocol.ts';
import { safeCssValue, THEME_VARIABLE } from './protocol.ts';

/** The custom properties carried into the frame (docs/embedding.md, Theming). */
export const THEME_VARIABLES = [
  '--cv-accent',
  '--cv-accent-text',
  '--cv-radius',
  '--cv-font-family',
  '--cv-bg',
  '--cv-surface',
  '--cv-text',
  '--cv-muted',
  '--cv-border',
  '--cv-bubble-in',
  '--cv-bubble-out',
  '--cv-danger',
  '--cv-ok',
  '--cv-focus',
] as const;

/** The theme as the host page styles this element: its computed `--cv-*` values and scheme. */
export function readTheme(element: HTMLElement, scheme: string | null): ThemePayload {
  const style = getComputedStyle(element);
  const vars: Record<string, string> = {};
  for (const name of THEME_VARIABLES) {
    const value = style.getPropertyValue(name).trim();
    if (value && THEME_VARIABLE.test(name) && safeCssValue(value)) vars[name] = value;
  }
  return { vars, scheme: scheme === 'light' || scheme === 'dark' ? scheme : 'auto' };
}
