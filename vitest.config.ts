import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // One real `mlflow server` on 127.0.0.1 for the whole run (started lazily, stopped after).
    globalSetup: ['test/helpers/mlflow-global-setup.ts'],
  },
})
