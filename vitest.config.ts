import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The CLI built once for the end-to-end tests (skipped when dist is current), then one real
    // `mlflow server` on 127.0.0.1 for the whole run (started lazily, stopped after).
    globalSetup: ['test/helpers/build-global-setup.ts', 'test/helpers/mlflow-global-setup.ts', 'test/helpers/kafka-global-setup.ts'],
  },
})
