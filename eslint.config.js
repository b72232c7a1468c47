// ESLint flat config: typescript-eslint for every layer, Vue rules for the renderer, and import rules
// that keep the layers apart (docs/DESIGN.md §3: engine imports nothing from main/, renderer/, Electron
// or Vue; hosts reach the engine through its public entry points only).
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';

const noUpward = (layer, forbidden) => ({
  files: layer.includes('*') ? [`${layer}.ts`] : [`${layer}/**/*.{ts,vue}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((group) => ({ group: [group], message: `Bad layering: ${layer}/ must not import ${group}` })),
      },
    ],
  },
});

/**
 * The engine's rooms, lowest first (docs/DESIGN.md §3): a file may import its own room and the rooms
 * below, never one above. Folder rooms are `name/`; the files at engine/'s top are rooms of their own.
 */
const ENGINE_ROOMS = [
  ['core/'],
  ['files/', 'stats/'],
  ['kernels/', 'families/', 'measure/', 'formulas.ts', 'weights.ts', 'checkpoint.ts', 'equivalence.ts', 'run-layer.ts', 'vector-error.ts'],
  ['backends/', 'torch/', 'convert.ts', 'node-forward.ts', 'verify-expected.ts', 'family-reference.ts'],
  ['sweep/'],
  ['report/'],
  ['worker/', 'index.ts', 'node.ts', 'common.ts'],
];
const BASE_FORBIDDEN = ['**/main/**', '**/renderer/**', 'electron', 'vue', 'pinia'];

/**
 * Import patterns that reach `room` from a file of `from`: a folder room from anywhere in engine/; a
 * top-level file by its relative name (`./x.js` from engine/'s top, `../x.js` or `../../x.js` from a folder).
 */
const patternsOf = (room, from) => {
  if (room.endsWith('/')) return [`**/${room}**`];
  const name = room.replace(/\.ts$/, '.js');
  return from.includes('/') ? [`../${name}`, `../../${name}`] : [`./${name}`];
};

/** The import rule of the files `files` (all of one kind: folder rooms or top-level files) at `rank`. */
function roomBlock(files, rank, { echarts = false } = {}) {
  const from = files[0];
  const above = ENGINE_ROOMS.slice(rank + 1).flat();
  return {
    files: files.map((r) => (r.endsWith('/') ? `engine/${r}**/*.ts` : `engine/${r}`)),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...BASE_FORBIDDEN.map((group) => ({ group: [group], message: `Bad layering: engine/ must not import ${group}` })),
            ...(echarts
              ? []
              : [{ group: ['echarts'], message: 'Bad layering: engine/ uses ECharts only in report/node-* (server-side SVG)' }]),
            ...above.map((room) => ({
              group: patternsOf(room, from),
              message: `Bad layering: engine/${files.join(', engine/')} sit(s) below engine/${room} (docs/DESIGN.md §3, the engine rooms)`,
            })),
          ],
        },
      ],
    },
  };
}

/** One block per rank and kind of room; the report's Node-only files (SVG) may use ECharts. */
const engineRooms = [
  ...ENGINE_ROOMS.slice(0, -1).flatMap((rooms, rank) =>
    [rooms.filter((r) => r.endsWith('/')), rooms.filter((r) => !r.endsWith('/'))]
      .filter((g) => g.length > 0)
      .map((g) => roomBlock(g, rank)),
  ),
  roomBlock(
    ['report/node-*.ts'],
    ENGINE_ROOMS.findIndex((rooms) => rooms.includes('report/')),
    { echarts: true },
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'scratch/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: { 'vue/block-lang': ['error', { script: { lang: 'ts' } }] },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  noUpward('engine', ['**/main/**', '**/renderer/**', 'electron', 'vue', 'pinia', 'echarts']),
  // The rooms' order inside engine/; server-side chart rendering (SVG reports) is the one engine use of ECharts.
  ...engineRooms,
  // The renderer talks to hosts only through the API contract: from main/ it imports main/api.ts (types and
  // constants); from engine/ only the pure report builders (engine/report/*, not node-*), the pure statistics
  // (engine/stats/*), the format versions and, as types, the file schemas. The typescript-eslint variant is needed for `allowTypeImports`.
  {
    files: ['renderer/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)engine/(?!report/(?!node-)[^/]+$)(?!stats/[^/]+$)(?!files/(schemas|versions)(\\.[jt]s)?$)',
              message:
                'Bad layering: renderer/ may import from engine/ only the pure engine/report/* builders, engine/stats/*, engine/files/versions and engine/files/schemas types',
            },
            {
              regex: '(^|/)engine/files/schemas(\\.[jt]s)?$',
              allowTypeImports: true,
              message: 'Bad layering: renderer/ may import only types from engine/files/schemas (values there pull in zod validation)',
            },
            { regex: '(^|/)main/(?!api(\\.[jt]s)?$)', message: 'Bad layering: renderer/ may import from main/ only main/api.ts' },
            {
              group: ['electron', 'node:*', '@tensorflow/*'],
              message: 'Bad layering: renderer/ runs in a sandboxed page: no Electron, Node or TensorFlow.js',
            },
          ],
        },
      ],
    },
  },
  // Hosts import the engine only through its public entry points: engine/index.ts (families, formulas,
  // verify), engine/common.ts (names, limits, errors, file-format types; no TensorFlow.js, so the API
  // contract the renderer bundles may use it) and engine/node.ts (files, sweeps, backends, reports).
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**'], message: 'Bad layering: main/ must not import **/renderer/**' },
            {
              regex: '(^|/)engine/(?!(index|common|node)(\\.[jt]s)?$)',
              message: 'Bad layering: main/ imports the engine only through engine/index.ts, engine/common.ts or engine/node.ts',
            },
          ],
        },
      ],
    },
  },
);
