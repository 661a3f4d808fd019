// The layout's import rules (docs/design.md), checked by dependency-cruiser over the real module
// graph: static imports, `import type`, dynamic import(), require() and .cjs/.mjs files alike.
// `npm run check:imports` runs it; test/architecture/imports.spec.ts runs it in the suite.
// Paths are relative to the folder it runs in, so the test can run the same rules on a fixture tree.

/** Each layer and the project folders it may import; anything of the project not listed is refused. */
const LAYERS = [
  // the frhub command sits above everything (nothing imports it); its build step bundles the console
  { name: 'cli', path: '^cli/', may: ['cli', 'server', 'inference', 'schema', 'tenants', 'models', 'migrations', 'console/build\\.cjs$'] },
  { name: 'server', path: '^server/', may: ['server', 'inference', 'schema', 'tenants', 'models', 'migrations'] },
  { name: 'schema', path: '^schema/', may: ['schema', 'tenants', 'models'] },
  { name: 'tenants', path: '^tenants/', may: ['tenants', 'models'] },
  { name: 'models', path: '^models/', may: ['models'] },
  // a leaf: the face pipeline knows nothing of tenants, GraphQL, the database or the server
  { name: 'inference', path: '^inference/', may: ['inference'] },
  { name: 'migrations', path: '^migrations/', may: ['migrations'] },
  // browser code: it reaches the hub only over HTTP
  { name: 'console', path: '^console/', may: ['console'] },
];

/**
 * server/'s rooms, top to bottom: a room imports its own files and rooms below it, never one above.
 * The composition root wires everything; routes sit on auth and HTTP plumbing; the adapters (database,
 * the audit anchor, engine: the tenants' ports over inference/) know no route. Files in server/ itself (config.ts) belong to no room.
 */
const SERVER_ROOMS = [
  ['composition'],
  ['apollo', 'console', 'reports'],
  ['auth', 'http'],
  ['database', 'audit', 'engine'],
];

/** Anything that is not a package or a Node built-in: the project's own files, wherever they lie. */
const PROJECT = '^(?!node_modules/)';

const layerRules = LAYERS.map((l) => ({
  name: `${l.name}-layer`,
  comment: `${l.name}/ may import only ${l.may.join(', ')} (docs/design.md, "Layout and the direction of imports")`,
  severity: 'error',
  from: { path: l.path },
  to: { path: PROJECT, dependencyTypesNot: ['core'], pathNot: l.may.map((m) => `^${m}`) },
}));

const roomRules = SERVER_ROOMS.slice(1).flatMap((tier, i) => {
  const above = SERVER_ROOMS.slice(0, i + 1).flat();
  return tier.map((room) => ({
    name: `server-${room}-room`,
    comment: `server/${room}/ never imports a room above it (${above.map((r) => `server/${r}/`).join(', ')}): docs/design.md, "server/ in rooms"`,
    severity: 'error',
    from: { path: `^server/${room}/` },
    to: { path: `^server/(${above.join('|')})/` },
  }));
});

module.exports = {
  forbidden: [
    ...layerRules,
    ...roomRules,
    {
      name: 'server-composition-is-wiring-only',
      comment: 'only the frhub command starts a hub: no file of server/ outside the composition root imports it',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/composition/' },
      to: { path: '^server/composition/' },
    },
    {
      name: 'tenants-access-is-shared',
      comment: 'tenants/access/ (CASL: the ability and the role files) is read by every capability and reads none of them (no cycle between capability folders: test/architecture)',
      severity: 'error',
      from: { path: '^tenants/access/' },
      to: { path: '^tenants/', pathNot: '^tenants/(access|shared)/' },
    },
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
