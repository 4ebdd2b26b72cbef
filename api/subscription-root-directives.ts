import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The GraphQL spec's "Single root field" rule (since the 2021 edition): a subscription's root
 * selection set must not use @skip or @include, on a field, an inline fragment or a fragment
 * spread. graphql-js 16 does not check it, and a skipped root field leaves graphql-tools'
 * executor nothing to subscribe to (`undefined is not iterable`: an internal error). Whatever
 * the directive's value: the spec refuses the shape, not the outcome.
 */
const CONDITIONAL = new Set(['skip', 'include']);

function conditionalRoot(
  selectionSet: SelectionSetNode,
  fragment: (name: string) => FragmentDefinitionNode | undefined,
  seen: Set<string>,
): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((d) => CONDITIONAL.has(d.name.value))) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (conditionalRoot(selection.selectionSet, fragment, seen)) return true;
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const definition = fragment(name);
      // Cycles are reported by graphql-js's own NoFragmentCycles rule.
      if (definition && !seen.has(name)) {
        seen.add(name);
        if (conditionalRoot(definition.selectionSet, fragment, seen)) return true;
      }
    }
  }
  return false;
}

/** The refusal for the first subscription of `document` that breaks the rule, if any. */
export function subscriptionRootDirectivesProblem(document: DocumentNode): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  for (const node of document.definitions) {
    if (node.kind !== Kind.OPERATION_DEFINITION || node.operation !== 'subscription') continue;
    if (!conditionalRoot(node.selectionSet, (n) => fragments.get(n), new Set())) continue;
    const name = node.name ? `Subscription "${node.name.value}"` : 'Anonymous subscription';
    return new GraphQLError(`${name} must not use @skip or @include on its root fields.`, { nodes: node });
  }
  return null;
}

/**
 * Through Yoga's envelop, so that HTTP and graphql-ws (api/ws-operation.ts) validate alike.
 * Not an added validation rule: graphql-js's own SingleFieldSubscriptionsRule runs first and
 * evaluates @skip/@include without variable values, throwing "was not provided a runtime value"
 * for `@skip(if: $s)` whatever the variables say. Such a document is refused before it runs.
 */
export const useSubscriptionRootDirectives = (): Plugin => ({
  onValidate({ params, setValidationFn }) {
    const problem = subscriptionRootDirectivesProblem(params.documentAST);
    if (problem) setValidationFn(() => [problem]);
  },
});
