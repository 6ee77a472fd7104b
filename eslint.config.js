// Lint for optdb: typescript-eslint's recommended rules, Prettier for layout, and the
// layer rule that keeps dependencies pointing one way (see docs/architecture.md).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * optdb's layers, lowest first. A module may import from its own layer and from the
 * layers below it, never from a layer above: the domain knows nothing of files, files
 * nothing of the database, the writers nothing of the ingest that drives them. Folders in
 * one entry are peers and may not import each other either — except in the first, the
 * small shared modules every layer uses, which may use one another.
 */
const LAYERS = [
  ['errors.ts', 'config.ts', 'retry-limits.ts', 'redact.ts', 'stop-signal.ts', 'warning.ts', 'output-file.ts', 'schema', 'generated'],
  ['domain'],
  ['sources'],
  ['db'],
  ['api'],
  ['write'],
  ['metrics'],
  ['ingest'],
  ['poll', 'contracts'],
  ['sample'],
  ['doctor', 'explain', 'loadtest'],
  ['serve'],
  ['cli', 'index.ts'],
];

const path = (entry) => `./src/${entry}`;

const layerZones = LAYERS.flatMap((layer, rank) =>
  layer.map((entry) => ({
    target: path(entry),
    from: [...LAYERS.slice(rank + 1).flat(), ...(rank === 0 ? [] : layer.filter((peer) => peer !== entry))].map(path),
    message: `optdb's layers depend one way (eslint.config.js, docs/architecture.md): ${entry} may not import this.`,
  })),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/generated/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    // Imports name the compiled `.js`; the resolver maps them to the `.ts` sources.
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Plain JavaScript run by Node (scripts, a test loader).
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The dashboard's scripts run in the browser, served as they are written.
    files: ['src/serve/dashboard/assets/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'console',
          'devicePixelRatio',
          'document',
          'fetch',
          'location',
          'Node',
          'Option',
          'requestAnimationFrame',
          'ResizeObserver',
          'sessionStorage',
          'setTimeout',
          'TextDecoderStream',
          'URLSearchParams',
          'window',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // Tests read rows of many shapes back from the database; typing each is noise.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
