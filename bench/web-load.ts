/**
 * `npm run bench -- web-load [--runs=7]`: the web app's cold load in Debian's Chromium — a
 * fresh browser context each run (empty HTTP cache, no IndexedDB, no service worker) opens the
 * server's `/` (in-memory log, loopback) and the time is `performance.now()` in the page when
 * the onboarding form's "Create identity" button is rendered (the app has checked IndexedDB
 * for a key by then): navigation to interactive. Also the JavaScript the page loaded, as sent
 * (compressed) and decoded. Medians over the runs, after one discarded warm-up.
 */
import { launchChromium } from '../test/support/browser.ts';
import { startServer } from '../test/support/server.ts';
import { ensureWebBuild } from '../test/support/web-build.ts';
import { emitter, machine, median, round } from './measure.ts';

const emit = emitter('web-load');

export async function run(args: string[]): Promise<void> {
  const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 7);
  ensureWebBuild();
  emit({ what: 'machine', machine: true, ...machine() });
  const server = await startServer('memory');
  const browser = await launchChromium();
  try {
    const interactive: number[] = [];
    const domReady: number[] = [];
    let js = { transferred: 0, decoded: 0 };
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Create identity' }).waitFor();
      const t = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter(
          (r) => r.initiatorType === 'script' || r.name.endsWith('.js'),
        );
        return {
          now: performance.now(),
          dom: nav.domContentLoadedEventEnd,
          transferred: scripts.reduce((n, r) => n + r.encodedBodySize, 0),
          decoded: scripts.reduce((n, r) => n + r.decodedBodySize, 0),
        };
      });
      await context.close();
      if (i === 0) continue; // warm-up: the server's and the browser's own first-use costs
      interactive.push(t.now);
      domReady.push(t.dom);
      js = { transferred: t.transferred, decoded: t.decoded };
    }
    emit({
      what: 'cold load, navigation to interactive',
      runs,
      msToInteractive: round(median(interactive)),
      msDomContentLoaded: round(median(domReady)),
      allMs: interactive.map((v) => round(v)),
      jsTransferredKiB: round(js.transferred / 1024, 1),
      jsDecodedKiB: round(js.decoded / 1024, 1),
    });
  } finally {
    await browser.close();
    await server.close();
  }
}
