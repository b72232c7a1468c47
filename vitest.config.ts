import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One copy of TensorFlow.js: the ESM build everywhere, as the esbuild bundles use (a second, CommonJS
  // copy would share the global engine but not the op handlers that Tensor methods call).
  resolve: { mainFields: ['module', 'main'] },
  ssr: { resolve: { mainFields: ['module', 'main'] } } as object,
  test: {
    include: ['test/unit/**/*.test.ts'],
    // TensorFlow.js ships ESM with extensionless imports that Node cannot load; let Vite resolve them.
    server: { deps: { inline: [/@tensorflow\//] } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    allowOnly: !process.env.CI,
    reporters: ['default'],
  },
});
