#!/usr/bin/env node
// `npm run build`: compiles the server to JavaScript (tsconfig.build.json → dist/, so nothing
// runs through tsx in production) and builds the web app (scripts/build-web.mjs → web/dist).
// `--if-stale` (what `npm start` runs first) skips each part whose output is newer than every
// one of its sources, so a second `npm start` starts at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const ifStale = process.argv.includes('--if-stale');

const SERVER_SOURCES = [
  'protocol',
  'events',
  'app',
  'schema',
  'api',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];
const WEB_SOURCES = [
  'web/src',
  'web/index.html',
  'web/vite.config.ts',
  'web/public',
  'protocol',
  'package-lock.json',
];
const SERVER_STAMP = join(root, 'dist/.built');
const WEB_STAMP = join(root, 'web/dist/index.html');

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const fresh = (stamp, sources) =>
  existsSync(stamp) && statSync(stamp).mtimeMs > Math.max(...sources.map((s) => newest(join(root, s))));

function run(args, what) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
}

if (ifStale && fresh(SERVER_STAMP, SERVER_SOURCES)) {
  console.log('build: dist/ is up to date');
} else {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  run([tsc, '-p', 'tsconfig.build.json'], 'compiling the server (tsc -p tsconfig.build.json)');
  writeFileSync(SERVER_STAMP, `${new Date().toISOString()}\n`);
  console.log('build: server compiled to dist/');
}

if (ifStale && fresh(WEB_STAMP, WEB_SOURCES)) {
  console.log('build: web/dist is up to date');
} else {
  run(['scripts/build-web.mjs'], 'building the web app');
}
