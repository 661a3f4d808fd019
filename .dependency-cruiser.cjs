// The layout's import rules (docs/design.md), checked by dependency-cruiser over the real module
// graph: static imports, `import type`, dynamic import(), require() and .cjs/.mjs files alike.
// `npm run check:imports` runs it; test/architecture/imports.spec.ts runs it in the suite.
// Paths are relative to the folder it runs in, so the test can run the same rules on a fixture tree.

/** Each layer and the project folders it may import; anything of the project not listed is refused. */
const LAYERS = [
  // the CLI (cli/, or a top-level cli/) sits above everything; its build step bundles the console
  { name: 'cli', path: '^(cli|cli)/', may: ['cli', 'server', 'inference', 'schema', 'tenants', 'models', 'migrations', 'console/build\\.cjs$'] },
  { name: 'server', path: '^server/', pathNot: '^cli/', may: ['server/(?!cli/)', 'inference', 'schema', 'tenants', 'models', 'migrations'] },
  { name: 'schema', path: '^schema/', may: ['schema', 'tenants', 'models'] },
  { name: 'tenants', path: '^tenants/', may: ['tenants', 'models'] },
  { name: 'models', path: '^models/', may: ['models'] },
  // a leaf: the face pipeline knows nothing of tenants, GraphQL, the database or the server
  { name: 'inference', path: '^inference/', may: ['inference'] },
  { name: 'migrations', path: '^migrations/', may: ['migrations'] },
  // browser code: it reaches the hub only over HTTP
  { name: 'console', path: '^console/', may: ['console'] },
];

/** Anything that is not a package or a Node built-in: the project's own files, wherever they lie. */
const PROJECT = '^(?!node_modules/)';

const layerRules = LAYERS.map((l) => ({
  name: `${l.name}-layer`,
  comment: `${l.name}/ may import only ${l.may.join(', ')} (docs/design.md, "Layout and the direction of imports")`,
  severity: 'error',
  from: { path: l.path, ...(l.pathNot ? { pathNot: l.pathNot } : {}) },
  to: { path: PROJECT, dependencyTypesNot: ['core'], pathNot: l.may.map((m) => `^${m}`) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'resolvers-never-import-repositories',
      comment: 'schema/ calls services; only models/ holds repositories and SQL',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: ['repository', '^node_modules/(pg|@electric-sql/pglite|typeorm|pgvector)/'] },
    },
    {
      name: 'no-unresolvable-project-import',
      comment: 'an import the graph cannot follow would hide an edge from every rule above',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    // the layers' own folders; test/, docs/ and the build outputs may import anything
    includeOnly: { path: '^(cli|server|inference|schema|tenants|models|migrations|console)/|^node_modules/' },
    exclude: { path: '^(dist|data)/|\\.d\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    moduleSystems: ['cjs', 'es6'],
    // `import type` is a dependency too: a type from the wrong layer couples the layers all the same
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      // the sources import `./x.js` (NodeNext) and the file is x.ts
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
