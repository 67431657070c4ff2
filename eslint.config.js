// Guards a reader cannot see at a glance: promises nobody awaits, and imports that cross the
// folders' boundaries (each folder's README says what it may import; the table is in
// docs/layout.md). Formatting is Prettier's (.prettierrc.json), not ESLint's.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/** Folders a folder must not import from; `types` = type-only imports are still allowed. */
const boundaries = [
  { folder: 'lib', deny: ['../*'], why: 'lib/ holds generic helpers: nothing of the project' },
  {
    folder: 'observability',
    deny: ['../*'],
    why: 'observability/ is imported by every folder: nothing of the project',
  },
  { folder: 'chunkstore', deny: up('activities', 'api', 'infra', 'pool', 'openstack', 'workflows', 'worker', 'bin') },
  {
    folder: 'openstack',
    deny: up('activities', 'api', 'infra', 'pool', 'workflows', 'worker', 'bin', 'openstack-sim'),
  },
  {
    folder: 'openstack-sim',
    deny: up('activities', 'api', 'infra', 'pool', 'openstack', 'workflows', 'worker', 'bin'),
  },
  {
    folder: 'pool',
    deny: up('activities', 'api', 'infra', 'servers', 'worker', 'bin'),
    why: 'servers use the pool, not the reverse',
  },
  { folder: 'servers', deny: up('activities', 'api', 'infra', 'workflows', 'worker', 'bin') },
  { folder: 'chunk-volumes', deny: up('activities', 'api', 'infra', 'workflows', 'worker', 'bin') },
  { folder: 'drills', deny: up('activities', 'api', 'infra', 'workflows', 'worker', 'bin') },
  { folder: 'activities', deny: up('api', 'infra', 'worker', 'bin', 'workflows') },
  { folder: 'api', deny: up('activities', 'infra', 'worker', 'bin'), types: true },
  { folder: 'infra', deny: up('activities', 'api', 'workflows', 'worker', 'bin') },
  { folder: 'worker', deny: up('api', 'bin') },
];

function up(...folders) {
  return folders.flatMap((f) => [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`, `../../../${f}/*`]);
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'generated/**',
      '.data/**',
      'coverage/**',
      'bench/results/**',
      'scripts/**',
      '*.config.js',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // Prettier wraps code at 120; this catches what it leaves long (strings, comments).
      'max-len': ['error', { code: 120, ignoreUrls: true }],
    },
  },
  ...boundaries.map(({ folder, deny, allow = [], why, types = false }) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...deny, ...allow.map((a) => `!${a}`)],
              allowTypeImports: types,
              message: why ?? `${folder}/ may not import this folder (see ${folder}/README.md)`,
            },
          ],
        },
      ],
    },
  })),
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins, no module
    // with side effects. Types from anywhere are fine; values only from pure modules.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'workflow code may not use Node built-ins' })),
          patterns: [
            { group: ['node:*'], message: 'workflow code may not use Node built-ins' },
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '@prisma/*',
                'pg',
                'hono',
                '@hono/*',
              ],
              message: 'workflow code may not import modules with side effects',
            },
            {
              // At both depths: workflows/index.ts and the feature folders (workflows/servers/…).
              group: [
                ...['../', '../../'].flatMap((up) => [
                  `${up}activities`,
                  ...['activities', 'api', 'bin', 'chunk-volumes', 'chunkstore', 'config', 'drills', 'infra']
                    .concat(['openstack', 'pool', 'worker', 'prisma', 'generated', 'servers'])
                    .map((folder) => `${up}${folder}/*`),
                  ...['openstack/errors', 'drills/drill-params', 'drills/libvirt-steps', 'servers/names'].map(
                    (pure) => `!${up}${pure}`,
                  ),
                ]),
              ],
              allowTypeImports: true,
              message: 'workflow code imports values only from workflows/, lib/ and pure modules (types from anywhere)',
            },
          ],
        },
      ],
    },
  },
);
