import {
  type DocumentNode,
  type FieldNode,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';

/**
 * `compute` once per operation of a document. Yoga's parser cache hands back the same
 * document for the same text, so a hot operation is worked out once, not per request (issue
 * 16). Only names that select an operation are kept — as many as the document has, plus the
 * unnamed choice — never a client's arbitrary `operationName`; null for those.
 */
export function perOperation<T, X>(
  compute: (operation: OperationDefinitionNode, document: DocumentNode, extra: X) => T,
): (document: DocumentNode, operationName: string | null | undefined, extra: X) => T | null {
  const cache = new WeakMap<DocumentNode, Map<string | null, T>>();
  return (document, operationName, extra) => {
    let byName = cache.get(document);
    if (!byName) {
      byName = new Map();
      cache.set(document, byName);
    }
    const name = operationName ?? null;
    if (byName.has(name)) return byName.get(name)!;
    const operation = getOperationAST(document, name);
    if (!operation) return null;
    const value = compute(operation, document, extra);
    byName.set(name, value);
    return value;
  };
}

/**
 * The root fields an operation selects, through inline fragments and fragment spreads (each
 * fragment once), aliases and repeats included.
 */
export function* rootFields(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Generator<FieldNode> {
  const seen = new Set<string>();
  function* walk(selections: OperationDefinitionNode['selectionSet']['selections']): Generator<FieldNode> {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) yield selection;
      else if (selection.kind === Kind.INLINE_FRAGMENT) yield* walk(selection.selectionSet.selections);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = document.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
        );
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) yield* walk(fragment.selectionSet.selections);
      }
    }
  }
  yield* walk(operation.selectionSet.selections);
}
