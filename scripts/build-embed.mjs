#!/usr/bin/env node
// Builds the embed library as an npm package into web/embed/dist: the bundle (the same one the
// server serves at /embed/v1/callvault.js), .d.ts types (tsc) and custom-elements.json (from
// the elements' JSDoc, @custom-elements-manifest/analyzer).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const embed = fileURLToPath(new URL('../web/embed/', import.meta.url));
const dist = join(embed, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
process.env.CV_EMBED_OUT = dist;
await build({ configFile: join(embed, 'vite.config.ts'), logLevel: 'warn' });

const run = (cmd, args, cwd) => {
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
};
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
run(
  bin('tsc'),
  [
    '-p',
    'tsconfig.json',
    '--noEmit',
    'false',
    '--declaration',
    '--emitDeclarationOnly',
    '--declarationDir',
    'dist/types',
  ],
  embed,
);
run(bin('cem'), ['analyze', '--globs', 'src/*.ts', '--litelement', '--outdir', 'dist'], embed);
console.log('embed package built in web/embed/dist');
