// ESLint flat config: typescript-eslint for every layer, Vue rules for the renderer, and import rules
// that keep the layers apart (STYLE.md: engine imports nothing from main/, renderer/, Electron or Vue).
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
  // Server-side chart rendering (SVG reports) is the one engine use of ECharts, in Node-only files.
  noUpward('engine/report/node-*', ['**/main/**', '**/renderer/**', 'electron', 'vue', 'pinia']),
  noUpward('renderer', ['**/engine/**', 'electron', 'node:*', '@tensorflow/*']),
  noUpward('main', ['**/renderer/**']),
);
