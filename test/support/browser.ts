import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium: never a downloaded browser (`npx playwright install` cannot work here). */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Headless Chromium fit for WebRTC tests: fake camera and microphone that need no permission
 * prompt, and none of the background traffic (updates, sync, QUIC probes) a test must not send.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // runs as root in CI
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** Null when the chromium binary is there; otherwise why not. */
export function chromiumUnavailable(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return null;
  } catch {
    return `chromium is not installed (${CHROMIUM} missing; apt-get install chromium)`;
  }
}

/**
 * For `describe(..., { skip })`: in CI a missing chromium is a failure, never a skip.
 * Outside CI the suite is skipped with the reason.
 */
export function skipWithoutChromium(): string | false {
  const reason = chromiumUnavailable();
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI=true and ${reason}`);
  return reason;
}

/**
 * Launches Debian's headless Chromium through playwright-core. `chromium.launch` gives every
 * launch a fresh temporary profile (`--user-data-dir=<tmp>/playwright_chromiumdev_profile-*`),
 * deleted again by `browser.close()`; each `browser.newContext()` is a further isolated session
 * (one per simulated user).
 */
export async function launchChromium(): Promise<Browser> {
  const reason = chromiumUnavailable();
  if (reason) throw new Error(reason);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * Features playwright-core disables on every launch (its chromiumSwitches), without
 * `ThirdPartyStoragePartitioning`. Playwright turns partitioning off, so in its Chromium a
 * third-party frame gets no storage at all (IndexedDB "denied", localStorage throws) instead
 * of the partitioned storage Chromium ships with. Chromium takes the last `--disable-features`.
 */
const PLAYWRIGHT_DISABLED_BUT_PARTITIONING = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
];

/**
 * Headless Chromium with third-party storage partitioned, as Chromium ships: a frame of
 * another site gets its own IndexedDB keyed by the top-level site (the embed's `persistent`
 * mode), and the Storage Access API decides about the unpartitioned one.
 */
export async function launchChromiumPartitioned(): Promise<Browser> {
  const reason = chromiumUnavailable();
  if (reason) throw new Error(reason);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, `--disable-features=${PLAYWRIGHT_DISABLED_BUT_PARTITIONING.join(',')}`],
    timeout: 30_000,
  });
}
