import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.ts';

/** The SDL as committed in schema/schema.graphql (a check fails when they differ). */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('./schema.graphql', import.meta.url), printedSchema());
  console.log('wrote schema/schema.graphql');
}
