/**
 * Imports run one way (docs/decisions.md, "Layers"): each layer may import only from itself
 * and the layers below it; the web client only from protocol/. Folders outside the table
 * (test/, bench/, scripts/) are tools and may import anything.
 */
import assert from 'node:assert/strict';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importsOf, read, sourceFiles } from './support/imports.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The server's layers, lowest first: each may import from the ones before it. */
const LAYERS = ['protocol', 'events', 'app', 'schema', 'api'] as const;
/** Clients beside the layers, with the only layers they may import. */
const CLIENTS: Record<string, readonly string[]> = { web: ['protocol'] };

/** The folders a file in `folder` may import from, or null when the folder is not ruled. */
function allowedFrom(folder: string): readonly string[] | null {
  const rank = LAYERS.indexOf(folder as (typeof LAYERS)[number]);
  if (rank >= 0) return LAYERS.slice(0, rank + 1);
  const client = CLIENTS[folder];
  return client ? [folder, ...client] : null;
}

const RULED = [...LAYERS, ...Object.keys(CLIENTS)];

/**
 * Imports that break the direction today, kept until issue 9's application layer moves the
 * command classes and services out of api/ (`file → imported file`, repo-relative). Each
 * entry must still occur, so the list can only shrink.
 */
const TOLERATED = new Set([
  'schema/context.ts → api/commands/calls.ts',
  'schema/context.ts → api/commands/contacts.ts',
  'schema/context.ts → api/commands/identity.ts',
  'schema/context.ts → api/commands/messages.ts',
  'schema/context.ts → api/feed.ts',
  'schema/context.ts → api/rate-limit.ts',
  'schema/context.ts → api/shared-rate-limit.ts',
  'schema/context.ts → api/signals.ts',
  'schema/types/auth.ts → api/commands/identity.ts',
  'schema/types/contacts.ts → api/commands/contacts.ts',
]);

/** Every import between ruled folders that runs the wrong way, as `file → imported file`. */
function violations(files: { path: string; source: string }[]): string[] {
  const out: string[] = [];
  for (const { path, source } of files) {
    const allowed = allowedFrom(path.split('/')[0]!);
    if (!allowed) continue;
    for (const spec of importsOf(source)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(repo, resolve(repo, dirname(path), spec))
        .split(sep)
        .join('/');
      const folder = target.split('/')[0]!;
      if (RULED.includes(folder) && !allowed.includes(folder)) out.push(`${path} → ${target}`);
    }
  }
  return out.sort();
}

const repoFiles = () =>
  RULED.flatMap((folder) => sourceFiles(join(repo, folder), { tests: true })).map((abs) => ({
    path: relative(repo, abs).split(sep).join('/'),
    source: read(abs),
  }));

describe('dependency direction', () => {
  it('should have no import running up the layers, beyond the tolerated list', () => {
    const found = violations(repoFiles());
    assert.deepEqual(
      found.filter((v) => !TOLERATED.has(v)),
      [],
    );
    const stale = [...TOLERATED].filter((v) => !found.includes(v));
    assert.deepEqual(stale, [], 'tolerated imports that are gone: remove them from the list');
  });

  it('should refuse protocol/ importing any layer above it', () => {
    for (const folder of ['events', 'app', 'schema', 'api', 'web']) {
      const source = `import { x } from '../${folder}/x.ts';`;
      assert.deepEqual(violations([{ path: 'protocol/a.ts', source }]), [`protocol/a.ts → ${folder}/x.ts`]);
    }
  });

  it('should refuse events/ importing schema/, api/ or app/, and allow protocol/', () => {
    const file = (source: string) => [{ path: 'events/calls/decide.ts', source }];
    assert.deepEqual(violations(file("import type { X } from '../../api/commands/calls.ts';")), [
      'events/calls/decide.ts → api/commands/calls.ts',
    ]);
    assert.deepEqual(violations(file("export { y } from '../../schema/builder.ts';")), [
      'events/calls/decide.ts → schema/builder.ts',
    ]);
    assert.deepEqual(violations(file("import { z } from '../../app/calls/commands.ts';")), [
      'events/calls/decide.ts → app/calls/commands.ts',
    ]);
    assert.deepEqual(violations(file("import { addressOf } from '../../protocol/address.ts';")), []);
  });

  it('should let web/ import protocol/ only, and leave tools unruled', () => {
    assert.deepEqual(violations([{ path: 'web/src/a.ts', source: "import '../../events/x.ts';" }]), [
      'web/src/a.ts → events/x.ts',
    ]);
    assert.deepEqual(violations([{ path: 'web/src/a.ts', source: "import '../../protocol/x.ts';" }]), []);
    assert.deepEqual(violations([{ path: 'bench/a.ts', source: "import '../api/app.ts';" }]), []);
    assert.deepEqual(violations([{ path: 'api/a.ts', source: "import '../events/x.ts';" }]), []);
  });
});
