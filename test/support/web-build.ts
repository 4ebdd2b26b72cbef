import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = [
  'web/src',
  'web/index.html',
  'web/frame.html',
  'web/vite.config.ts',
  'web/embed/src',
  'web/embed/vite.config.ts',
  'web/public',
  'protocol',
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Makes sure web/dist holds a build of the current sources (the server serves it through
 * createApp): builds when it is missing or older than any source. `npm test` builds first
 * anyway; this covers running one test file on its own.
 */
export function ensureWebBuild(): void {
  const built = join(repo, 'web/dist/index.html');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt > Math.max(...SOURCES.map((s) => newest(join(repo, s))))) return;
  const result = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building the web app failed');
}
