import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  getIntrospectionQuery,
  Kind,
  parse,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Limits for introspection, which the ordinary depth limit ignores (GRAPHQL_MAX_DEPTH is far
 * below the 14–21 levels graphql-js's `getIntrospectionQuery()` needs, so GraphiQL and schema
 * tools could not load the schema). Instead, an introspection selection may:
 *
 * - be no deeper than graphql-js's own query with every option on (type references nested
 *   `typeDepth` = 9 levels, its default);
 * - list a type's fields, input fields, enum values, interfaces or possible types only for the
 *   types of `__schema.types` and `__type(name)`, never for a type *reference* (`type`,
 *   `ofType`, `interfaces`, …). Those lists are what multiplies: `types { fields { type {
 *   fields { type { fields … } } } } }` grows by a factor of the field count per level within
 *   any depth limit, while graphql-js's query reads each of them once per type.
 */
const TYPE_DETAIL = new Set(['fields', 'inputFields', 'enumValues', 'interfaces', 'possibleTypes']);
const TYPE_REFERENCE = new Set([
  'type',
  'ofType',
  'interfaces',
  'possibleTypes',
  'queryType',
  'mutationType',
  'subscriptionType',
]);

/** Outside introspection; inside it on a full type (or below one); on a type reference. */
type Place = 'outside' | 'full' | 'reference';

interface Shape {
  /** Depth of the deepest introspection field, counted from the selection set (0: none). */
  depth: number;
  /** A type-detail list asked of a type reference, if any. */
  expanded: string | null;
}

const NONE: Shape = { depth: 0, expanded: null };

function shapeOf(
  selectionSet: SelectionSetNode,
  place: Place,
  fragment: (name: string) => FragmentDefinitionNode | undefined,
  memo: Map<string, Shape>,
  onPath: Set<string>,
): Shape {
  let depth = 0;
  let expanded: string | null = null;
  const take = (s: Shape, offset: number) => {
    if (s.depth > 0) depth = Math.max(depth, s.depth + offset);
    expanded ??= s.expanded;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      let inner: Place;
      if (place === 'outside') inner = name === '__schema' || name === '__type' ? 'full' : 'outside';
      else {
        if (place === 'reference' && TYPE_DETAIL.has(name)) expanded ??= name;
        inner = place === 'reference' || TYPE_REFERENCE.has(name) ? 'reference' : 'full';
      }
      if (inner !== 'outside') depth = Math.max(depth, 1);
      if (selection.selectionSet) take(shapeOf(selection.selectionSet, inner, fragment, memo, onPath), 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      take(shapeOf(selection.selectionSet, place, fragment, memo, onPath), 0);
    } else {
      const name = selection.name.value;
      const key = `${place}:${name}`;
      // Memoised, so fragments spread in fragments cost once; cycles are another rule's error.
      let shape = memo.get(key);
      const definition = fragment(name);
      if (!shape && definition && !onPath.has(name)) {
        onPath.add(name);
        shape = shapeOf(definition.selectionSet, place, fragment, memo, onPath);
        onPath.delete(name);
        memo.set(key, shape);
      }
      take(shape ?? NONE, 0);
    }
  }
  return { depth, expanded };
}

function introspectionShape(document: DocumentNode): Shape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Shape>();
  let depth = 0;
  let expanded: string | null = null;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const s = shapeOf(d.selectionSet, 'outside', (n) => fragments.get(n), memo, new Set());
    depth = Math.max(depth, s.depth);
    expanded ??= s.expanded;
  }
  return { depth, expanded };
}

/** The depth of graphql-js's introspection query with every option on: what tools send. */
export const INTROSPECTION_MAX_DEPTH = introspectionShape(
  parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      experimentalDirectiveDeprecation: true,
      oneOf: true,
    }),
  ),
).depth;

/** A validation rule enforcing the introspection limits above. */
export function introspectionLimitRule(context: ValidationContext): ASTVisitor {
  return {
    Document(document) {
      const { depth, expanded } = introspectionShape(document);
      if (depth > INTROSPECTION_MAX_DEPTH) {
        context.reportError(
          new GraphQLError(
            `Introspection depth limit of ${INTROSPECTION_MAX_DEPTH} exceeded, found ${depth} (type references nest at most 9 levels).`,
          ),
        );
      }
      if (expanded) {
        context.reportError(
          new GraphQLError(
            `Introspection may not list the ${expanded} of a type reference: read them from __schema.types or __type(name).`,
          ),
        );
      }
    },
  };
}

/** The rule as a Yoga plugin: it runs wherever Yoga validates (HTTP, and graphql-ws through getEnveloped). */
export const useIntrospectionLimit = (): Plugin => ({
  onValidate: ({ addValidationRule }) => addValidationRule(introspectionLimitRule),
});
