/**
 * protocol/ runs in browsers as well as Node: its code may import only its own files and
 * @noble/*, and may not use Buffer or Node's globals. Tests beside it are Node-only and exempt.
 */
import assert from 'node:assert/strict';
import { dirname, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importsOf, read, sourceFiles } from '../test/support/imports.ts';

const root = dirname(fileURLToPath(import.meta.url));

/** Why the source of `file` (under protocol/) would not run in a browser; empty when it would. */
function browserProblems(file: string, source: string): string[] {
  const problems: string[] = [];
  for (const spec of importsOf(source)) {
    const inside = spec.startsWith('.') && !relative(root, resolve(dirname(file), spec)).startsWith('..');
    if (!inside && !spec.startsWith('@noble/')) problems.push(`imports ${spec}`);
  }
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  if (/\bBuffer\b/.test(code)) problems.push('uses Buffer');
  if (/\b(process|require|__dirname|__filename|global|setImmediate)\b/.test(code)) {
    problems.push('uses a Node-only global');
  }
  return problems;
}

describe('protocol/ is isomorphic', () => {
  it('should import only its own files and @noble/*, and use no Buffer or Node globals', () => {
    const files = sourceFiles(root);
    assert.ok(files.some((f) => f.endsWith('address.ts')));
    for (const f of files) assert.deepEqual(browserProblems(f, read(f)), [], f);
  });

  it('should catch the imports and globals it forbids', () => {
    const file = resolve(root, 'example.ts');
    const check = (source: string) => browserProblems(file, source);
    assert.deepEqual(check("import { createHash } from 'node:crypto';"), ['imports node:crypto']);
    assert.deepEqual(check("import { createHash } from 'crypto';"), ['imports crypto']);
    assert.deepEqual(check("import { x } from '../events/identity/keys.ts';"), [
      'imports ../events/identity/keys.ts',
    ]);
    assert.deepEqual(check("export * from 'pg';"), ['imports pg']);
    assert.deepEqual(check("const m = await import('node:fs');"), ['imports node:fs']);
    assert.deepEqual(check('const b = Buffer.from("x");'), ['uses Buffer']);
    assert.deepEqual(check('const e = process.env.X;'), ['uses a Node-only global']);
    assert.deepEqual(check("import { sha256 } from '@noble/hashes/sha2.js';"), []);
    assert.deepEqual(check("import { utf8 } from './utf8.ts';\n// Buffer is not used here"), []);
  });
});
