import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { printedSchema } from '../schema/print.ts';

/** Files whose committed text differs from what `npm run codegen` would write now. */
export async function staleGeneratedFiles(): Promise<string[]> {
  const stale: string[] = [];
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  if (read('schema/schema.graphql') !== printedSchema()) stale.push('schema/schema.graphql');
  const { default: config } = await import('../codegen.ts');
  // Codegen reads the SDL file: compare against output generated from the fresh SDL.
  const outputs = (await generate({ ...config, schema: printedSchema(), silent: true }, false)) as {
    filename: string;
    content: string;
  }[];
  for (const o of outputs) if (read(o.filename) !== o.content) stale.push(o.filename);
  return stale;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stale = await staleGeneratedFiles();
  if (stale.length > 0) {
    console.error(`stale generated files (run npm run codegen): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('schema/schema.graphql and web/src/gql are up to date');
}
