#!/usr/bin/env node
// `npm run lab`: the connectivity lab (test/lab/lab.test.ts) with LAB_CALLS calls per matrix cell
// (2 unless set: what CI runs; `LAB_CALLS=20 npm run lab` is the full matrix, an hour or more on
// a 2-core machine), then the matrix it wrote to test/lab/out/matrix.md (report.json beside it).
// Needs root, iproute2 (`ip`), nftables (`nft`), coturn and Chromium (docs/connectivity.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const started = Date.now();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/lab/lab.test.ts'],
  { stdio: 'inherit', env: { ...process.env, LAB_CALLS: process.env.LAB_CALLS || '2' } },
);
const matrix = new URL('../test/lab/out/matrix.md', import.meta.url);
if (existsSync(matrix)) process.stdout.write(`\n${readFileSync(matrix, 'utf8')}`);
console.log(`lab finished in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(result.status ?? 1);
