import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Makes sure dist/ and web/dist hold a build of the current sources (`npm run build`, skipping
 * the parts that are up to date). `npm test` builds first anyway; this covers one file alone.
 */
export function ensureBuild(): void {
  const result = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error('npm run build failed');
}
