import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Static imports, re-exports, side-effect imports and dynamic import() with a literal.
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a TypeScript or JavaScript source imports, in order. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Source files (.ts, not tests) under a folder, as paths joined to it. */
export function sourceFiles(root: string, { tests = false } = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true }).map(String);
  } catch {
    return [];
  }
  return names
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
    .filter((f) => tests || !f.endsWith('.test.ts'))
    .map((f) => join(root, f));
}

/** The text of a file. */
export const read = (path: string) => readFileSync(path, 'utf8');
