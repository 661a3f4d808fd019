import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

// Query depth and alias limits: a cheap guard against queries built to exhaust the server.
export function limitsRule(maxDepth: number, maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    const depth = (set: SelectionSetNode | undefined, d: number): number => {
      if (!set) return d;
      let max = d;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.alias) aliases++;
          max = Math.max(max, depth(s.selectionSet, d + 1));
        } else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depth(s.selectionSet, d));
        else if (s.kind === Kind.FRAGMENT_SPREAD) max = Math.max(max, depth(context.getFragment(s.name.value)?.selectionSet, d));
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet, 0);
        if (d > maxDepth) context.reportError(new GraphQLError(`The query is ${d} levels deep; the limit is ${maxDepth}.`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        if (aliases > maxAliases) context.reportError(new GraphQLError(`The query uses ${aliases} aliases; the limit is ${maxAliases}.`, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
      },
    };
  };
}
