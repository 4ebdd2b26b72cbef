import SchemaBuilder from '@pothos/core';
import { GraphQLError } from 'graphql';
import { DomainError } from '../events/shared/errors.ts';
import type { GraphQLContext } from './context.ts';

/** The one SchemaBuilder; each file under types/ adds its GraphQL types to it. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    Position: { Input: number; Output: number };
    Timestamp: { Input: number; Output: number };
  };
}>({ defaultFieldNullability: false, defaultInputFieldRequiredness: true });

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const wholeNumber = (name: string) => (value: unknown) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    // BAD_INPUT whether the value came inline (validation) or in the variables (coercion).
    throw new GraphQLError(`${name} must be a whole number >= 0 and < 2^53`, {
      extensions: { code: 'BAD_INPUT' },
    });
  }
  return value;
};

builder.scalarType('Position', {
  description: 'A global position in the event log: a whole number up to 2^53.',
  serialize: (v) => v,
  parseValue: wholeNumber('Position'),
});

builder.scalarType('Timestamp', {
  description: 'Milliseconds since the Unix epoch.',
  serialize: (v) => v,
  parseValue: wholeNumber('Timestamp'),
});

/** The signed-in identity, re-checked at every use (the session may have ended meanwhile). */
export function requireViewer(ctx: GraphQLContext) {
  const viewer = ctx.viewer;
  if (!viewer || !ctx.services.queries.identity.isViewerLive(viewer)) {
    throw new DomainError('UNAUTHENTICATED', 'sign in first: this needs a live session');
  }
  return viewer;
}
