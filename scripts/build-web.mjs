#!/usr/bin/env node
// Builds the web app (web/ → web/dist) with Vite, then writes a .br and a .gz beside every
// compressible file, so the server answers compressed without compressing per request.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'vite';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const dist = join(web, 'dist');
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|map|txt)$/;

await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
// The embed library (web/embed): /embed/v1/callvault.js, the stable URL, and a copy named by
// its content for pages that pin a build (served `immutable`); manifest.json names it.
await build({ configFile: join(web, 'embed/vite.config.ts'), logLevel: 'warn' });
const embedDir = join(dist, 'embed/v1');
const embedJs = readFileSync(join(embedDir, 'callvault.js'));
const hashed = `callvault.${createHash('sha256').update(embedJs).digest('hex').slice(0, 12)}.js`;
writeFileSync(join(embedDir, hashed), embedJs);
writeFileSync(join(embedDir, 'manifest.json'), `${JSON.stringify({ 'callvault.js': hashed })}\n`);

let raw = 0;
let gz = 0;
for (const name of readdirSync(dist, { recursive: true }).map(String)) {
  const path = join(dist, name);
  if (!statSync(path).isFile() || !COMPRESSIBLE.test(name)) continue;
  const body = readFileSync(path);
  const gzip = gzipSync(body, { level: 9 });
  writeFileSync(`${path}.gz`, gzip);
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  );
  if (name.endsWith('.js')) {
    raw += body.length;
    gz += gzip.length;
  }
}
const embedGz = gzipSync(embedJs, { level: 9 }).length;
console.log(
  `embed library: web/dist/embed/v1/${hashed}, ${(embedJs.length / 1024).toFixed(1)} KiB, ${(embedGz / 1024).toFixed(1)} KiB gzip`,
);
console.log(
  `web app built in web/dist: JavaScript ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzip`,
);
