import nx from '@nx/eslint-plugin';
import { builtinModules } from 'node:module';

/**
 * Module boundaries with real constraints (STYLE.md): apps import libraries, never each other; the domain libraries
 * (libs/shared, portable, and libs/shared-node, its node:crypto fast paths) import no infrastructure (NestJS, Kafka,
 * Postgres, Redis); infrastructure and the bank SDK build on the domain. The portable library depends on nothing that
 * needs Node: not on shared-node (tags `runtime:*`), and not on any Node built-in module. A feature library (the
 * operations console, `type:feature`) builds on the domain and infrastructure and never on an app; of the apps, only
 * the gateway, which mounts it, may import it (`scope:*`).
 */
const NODE_ONLY = 'libs/shared is portable (browser, bank SDK): Node-only code goes to libs/shared-node (@nostro/shared-node).';
const moduleBoundaries = {
  allow: [],
  enforceBuildableLibDependency: true,
  depConstraints: [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:client', 'type:feature'] },
    { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:domain', 'type:infra'] },
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain'] },
    { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:domain'] },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain'],
      bannedExternalImports: ['@nestjs/*', 'kafkajs', 'pg', 'ioredis', 'fastify', 'node-pg-migrate'],
    },
    { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:client'] },
    { sourceTag: 'runtime:portable', onlyDependOnLibsWithTags: ['runtime:portable'] },
    { sourceTag: 'scope:ops-console', onlyDependOnLibsWithTags: ['scope:shared'] },
    { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ops-console'] },
    { sourceTag: 'scope:fx-quote', onlyDependOnLibsWithTags: ['scope:shared'] },
    { sourceTag: 'scope:settlement', onlyDependOnLibsWithTags: ['scope:shared'] },
    { sourceTag: 'scope:ledger-node', onlyDependOnLibsWithTags: ['scope:shared'] },
  ],
};
const BROWSER_ONLY = 'libs/ops-console/ui runs in the browser: no Node built-ins or globals (the server half is libs/ops-console/src).';
const NODE_GLOBALS = ['Buffer', 'process', 'global', 'require', '__dirname', '__filename', 'setImmediate'];

export default [
  { ignores: ['**/dist', '**/node_modules', '.cache', '.nostro', 'coverage', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The system tests drive the local cluster through the scripts' library (scripts/lib: stack, infra, topics),
    // which belongs to no Nx project: they may import it by relative path, and nothing else may.
    files: ['tests/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { ...moduleBoundaries, allow: ['^(\\.\\./)+scripts/lib/'] }] },
  },
  {
    // STYLE.md: the repository holds SQL and nothing else, so SQL is written nowhere else in the apps and the console.
    // A `.query()` call outside a *.repository.ts is refused; the few that only LISTEN on a connection say so on the line.
    files: ['apps/*/src/**/*.ts', 'libs/ops-console/src/**/*.ts'],
    ignores: ['**/*.repository.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query']",
          message: 'SQL belongs in a *.repository.ts (STYLE.md: controllers decode, services hold the rules, repositories hold SQL).',
        },
      ],
    },
  },
  {
    // libs/shared runs in the browser (the ops console) and in the bank SDK: no Node built-in, with or without the
    // `node:` prefix, and none of Node's globals. The node:crypto fast paths live in libs/shared-node. Specs run
    // under Jest in Node; only the one that reads the sources to check their imports may use node:fs and node:path.
    files: ['libs/shared/src/**/*.ts'],
    ignores: ['libs/shared/src/chain/finality-proof.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: NODE_ONLY })),
          patterns: [{ group: ['node:*'], message: NODE_ONLY }],
        },
      ],
    },
  },
  {
    files: ['libs/shared/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-globals': ['error', ...NODE_GLOBALS.map((name) => ({ name, message: NODE_ONLY }))],
    },
  },
  {
    // The console's browser app (bundled by esbuild into dist/libs/ops-console/ui): no Node built-in may reach the
    // bundle, and none of Node's globals.
    files: ['libs/ops-console/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: BROWSER_ONLY })),
          patterns: [{ group: ['node:*'], message: BROWSER_ONLY }],
        },
      ],
      'no-restricted-globals': ['error', ...NODE_GLOBALS.map((name) => ({ name, message: BROWSER_ONLY }))],
    },
  },
];
