import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type SelectionSetNode, type ValidationContext } from 'graphql';

// Depth, alias and cost limits: a cheap guard against queries built to exhaust the server.
// Cost: one per field, times the page size of the list it sits in (`first`, or the largest page
// when it comes from a variable); the face operations count as 100 each (they run the models).
const EXPENSIVE: Record<string, number> = { searchFaces: 100, enrollFace: 100 };
const LARGEST_PAGE = 100;

export function limitsRule(maxDepth: number, maxAliases: number, maxCost = 10_000) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    const pageOf = (f: FieldNode) => {
      const first = f.arguments?.find((a) => a.name.value === 'first');
      if (!first) return 1;
      return first.value.kind === Kind.INT ? Math.max(1, Number(first.value.value)) : LARGEST_PAGE;
    };
    const walk = (set: SelectionSetNode | undefined, d: number, times: number, seen: Set<string>): { depth: number; cost: number } => {
      if (!set) return { depth: d, cost: 0 };
      let depth = d, cost = 0;
      for (const s of set.selections) {
        let sub = { depth: d, cost: 0 };
        if (s.kind === Kind.FIELD) {
          if (s.alias) aliases++;
          cost += (EXPENSIVE[s.name.value] ?? 1) * times;
          sub = walk(s.selectionSet, d + 1, times * pageOf(s), seen);
        } else if (s.kind === Kind.INLINE_FRAGMENT) sub = walk(s.selectionSet, d, times, seen);
        else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
          sub = walk(context.getFragment(s.name.value)?.selectionSet, d, times, new Set([...seen, s.name.value]));
        }
        depth = Math.max(depth, sub.depth);
        cost += sub.cost;
      }
      return { depth, cost };
    };
    return {
      OperationDefinition(node) {
        const { depth: d, cost } = walk(node.selectionSet, 0, 1, new Set());
        const tooComplex = (message: string) => context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
        if (d > maxDepth) tooComplex(`The query is ${d} levels deep; the limit is ${maxDepth}.`);
        if (aliases > maxAliases) tooComplex(`The query uses ${aliases} aliases; the limit is ${maxAliases}.`);
        if (cost > maxCost) tooComplex(`The query would cost ${cost} (fields times page sizes); the limit is ${maxCost}. Ask for smaller pages or fewer fields.`);
      },
    };
  };
}
