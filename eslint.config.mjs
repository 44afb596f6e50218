import nx from '@nx/eslint-plugin';

/**
 * Module boundaries with real constraints (STYLE.md): apps import libraries, never each other; the domain library
 * imports no infrastructure (NestJS, Kafka, Postgres, Redis); infrastructure and the bank SDK build on the domain.
 */
const moduleBoundaries = {
  allow: [],
  enforceBuildableLibDependency: true,
  depConstraints: [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:client'] },
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain'] },
    { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:domain'] },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain'],
      bannedExternalImports: ['@nestjs/*', 'kafkajs', 'pg', 'ioredis', 'fastify', 'node-pg-migrate'],
    },
    { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:client'] },
  ],
};

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
    // STYLE.md: the repository holds SQL and nothing else, so SQL is written nowhere else in the apps. A `.query()`
    // call outside a *.repository.ts is refused; the few that only LISTEN on a connection say so on the line.
    files: ['apps/*/src/**/*.ts'],
    ignores: ['**/*.repository.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='query']", message: 'SQL belongs in a *.repository.ts (STYLE.md: controllers decode, services hold the rules, repositories hold SQL).' },
      ],
    },
  },
];
