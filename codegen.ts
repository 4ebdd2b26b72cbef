import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the web client, from the committed SDL (schema/schema.graphql) and the
 * `graphql(...)` operations under web/src. `npm run codegen` rewrites both; `npm run check`
 * fails when either is stale. Never edit web/src/gql by hand.
 */
const config: CodegenConfig = {
  // Imports with .js extensions, as Node's ESM resolution (and tsc's NodeNext) want.
  emitLegacyCommonJSImports: false,
  schema: 'schema/schema.graphql',
  documents: ['web/src/**/*.ts', '!web/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Position: 'number', Timestamp: 'number' },
      },
    },
  },
};

export default config;
