// The library's layers (docs/design.md, "Layers"; docs/architecture.md): imports go one way, from a layer
// to its own or to the layers before it, never to one after it, and no import circle. `npm test` runs
// this check (`npm run check:layers`).
const LIBRARY = 'libs/search-sync/src/';
// A spec sits above the unit it tests: it may build its inputs with later layers (real key columns through
// describeSource, a state database), so the layer rules skip specs; the no-circle rule holds for them too.
const SPEC = '\\.spec\\.ts$';

/** Ground first. A folder or root file of the library that is in no layer fails the check. */
const LAYERS = [
  { name: 'utilities, errors and the database handle', folders: ['utils', 'errors', 'database'] },
  { name: 'keys and change positions', folders: ['keys'] },
  { name: "the family's declaration", folders: ['family'] },
  {
    name: 'capture, pipeline stages, OpenSearch access, events and the state tables',
    folders: ['capture', 'pipeline', 'opensearch', 'events', 'state'],
  },
  { name: 'the state stores', folders: ['checkpoints', 'dead-letters', 'leases', 'runs', 'versions'] },
  {
    name: 'reconcile, related rows and partitioned backfill',
    folders: ['reconcile', 'related', 'partitions'],
  },
  { name: 'sync and lifecycle', folders: ['lifecycle', 'sync'] },
  { name: 'plan', folders: ['plan'] },
  {
    name: 'the Nest layer, command line, metrics, health and the entry points',
    folders: ['decorators', 'nest', 'cli', 'metrics', 'health'],
    files: [
      'search-sync.constants.ts',
      'index.ts',
      'testing.ts',
      'state-schema.ts',
      'optional-peers.spec.ts',
    ],
  },
];

const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (layers) => {
  const parts = layers.flatMap((layer) => [
    ...layer.folders.map((folder) => `${literal(folder)}/`),
    ...(layer.files ?? []).map((file) => `${literal(file)}$`),
  ]);
  return `^${literal(LIBRARY)}(${parts.join('|')})`;
};

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, index) => ({
      name: `layer-${index + 1}-imports-upward`,
      comment:
        `${layer.name} (layer ${index + 1}) imports a later layer. Move the type or function it needs to the ` +
        'lowest layer that all its users share (docs/design.md, "Layers").',
      severity: 'error',
      from: { path: pathOf([layer]), pathNot: SPEC },
      to: { path: pathOf(LAYERS.slice(index + 1)) },
    })),
    {
      name: 'no-circular',
      comment: 'An import circle: no file of it can be read or changed knowing only what lies below it.',
      severity: 'error',
      from: { path: `^${literal(LIBRARY)}` },
      to: { circular: true },
    },
    {
      name: 'in-no-layer',
      comment: 'A file of the library outside every layer: add its folder to LAYERS and to docs/design.md.',
      severity: 'error',
      from: { path: `^${literal(LIBRARY)}`, pathNot: pathOf(LAYERS) },
      to: {},
    },
    {
      name: 'imports-file-in-no-layer',
      comment:
        'An import of a library file outside every layer: add its folder to LAYERS and to docs/design.md.',
      severity: 'error',
      from: {},
      to: { path: `^${literal(LIBRARY)}`, pathNot: pathOf(LAYERS) },
    },
  ],
  options: {
    // TypeScript 7's tsc has no JavaScript API: swc parses the sources, and keeps type-only imports,
    // which close most circles.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
