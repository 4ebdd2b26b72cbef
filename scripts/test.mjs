#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's test runner (through tsx).
// Node 20's runner does not expand globs itself, so the list is built here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['protocol', 'events', 'app', 'schema', 'api', 'web/src', 'test'];
const only = process.argv.slice(2);
const files = roots
  .flatMap((root) => {
    try {
      return readdirSync(root, { recursive: true }).map((f) => join(root, String(f)));
    } catch {
      return [];
    }
  })
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  // The network lab (test/lab/) is a command of its own, `npm run lab`: it runs only when named.
  .filter((f) => (only.length === 0 ? !f.startsWith(join('test', 'lab')) : only.some((o) => f.includes(o))))
  .sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
