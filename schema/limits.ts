import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

// Depth, alias and cost limits: a cheap guard against queries built to exhaust the server.
// Cost: one per field, times the page size of the list it sits in (`first`, or the largest page
// when it comes from a variable); the face operations count as 100 each (they run the models).
const EXPENSIVE: Record<string, number> = { searchFaces: 100, enrollFace: 100 };
const LARGEST_PAGE = 100;
const CODE = 'QUERY_TOO_COMPLEX';

/** A selection set measured on its own: nested under pages that multiply to t, it costs t times as much. */
interface Measure { depth: number; cost: number; aliases: number }

// charged to the quota: a sibling field that fails would null the whole response and lose the result
const ALONE = 'searchFaces';

const pageOf = (f: FieldNode) => {
  const first = f.arguments?.find((a) => a.name.value === 'first');
  if (!first) return 1;
  return first.value.kind === Kind.INT ? Math.max(1, Number(first.value.value)) : LARGEST_PAGE;
};

export function limitsRule(maxDepth: number, maxAliases: number, maxCost = 10_000) {
  return (context: ValidationContext): ASTVisitor => {
    // each fragment is measured once per document, however often it is spread (a spread bomb doubles per level)
    const fragments = new Map<string, Measure>();
    const inProgress = new Set<string>();
    const fragment = (name: string): Measure => {
      const known = fragments.get(name);
      if (known) return known;
      // a cycle (NoFragmentCycles reports it) or an unknown fragment (KnownFragmentNames does) adds nothing
      const node = context.getFragment(name);
      if (!node || inProgress.has(name)) return { depth: 0, cost: 0, aliases: 0 };
      inProgress.add(name);
      const m = measure(node.selectionSet);
      inProgress.delete(name);
      fragments.set(name, m);
      return m;
    };
    const measure = (set: SelectionSetNode | undefined): Measure => {
      const total: Measure = { depth: 0, cost: 0, aliases: 0 };
      for (const s of set?.selections ?? []) {
        let depth = 0, cost = 0, aliases = 0;
        if (s.kind === Kind.FIELD) {
          const sub = measure(s.selectionSet);
          depth = sub.depth + 1;
          cost = (EXPENSIVE[s.name.value] ?? 1) + pageOf(s) * sub.cost;
          aliases = (s.alias ? 1 : 0) + sub.aliases;
        } else {
          ({ depth, cost, aliases } = s.kind === Kind.INLINE_FRAGMENT ? measure(s.selectionSet) : fragment(s.name.value));
        }
        total.depth = Math.max(total.depth, depth);
        total.cost += cost;
        total.aliases += aliases;
      }
      return total;
    };
    /** The operation's top-level field names, through fragments (a cycle is cut; NoFragmentCycles reports it). */
    const rootFields = (set: SelectionSetNode | undefined, names: string[] = [], spread = new Set<string>()): string[] => {
      for (const s of set?.selections ?? []) {
        if (s.kind === Kind.FIELD) names.push(s.name.value);
        else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, names, spread);
        else if (!spread.has(s.name.value)) rootFields(context.getFragment(s.name.value)?.selectionSet, names, spread.add(s.name.value));
      }
      return names;
    };
    const checkAlone = (node: OperationDefinitionNode) => {
      const fields = rootFields(node.selectionSet).filter((f) => f !== '__typename');
      if (fields.includes(ALONE) && fields.length > 1) {
        context.reportError(new GraphQLError(
          `${ALONE} must be the only field of its operation: each search is charged to your quota, and another field failing beside it would discard its result. Send one search per request.`,
          { nodes: [node] },
        ));
      }
    };
    return {
      OperationDefinition(node) {
        checkAlone(node);
        const { depth, cost, aliases } = measure(node.selectionSet);
        const tooComplex = (message: string) =>
          context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: CODE } }));
        if (depth > maxDepth) tooComplex(`The query is ${depth} levels deep; the limit is ${maxDepth}.`);
        if (aliases > maxAliases) tooComplex(`The query uses ${aliases} aliases; the limit is ${maxAliases}.`);
        if (cost > maxCost) tooComplex(`The query would cost ${cost} (fields times page sizes); the limit is ${maxCost}. Ask for smaller pages or fewer fields.`);
      },
    };
  };
}
