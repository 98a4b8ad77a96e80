import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {defineConfig} from 'vitest/config'

// For running the tracking tests alone: npx vitest run --config test/tracking/vitest.config.ts
// The main vitest.config.ts gets the same globalSetup entry.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export default defineConfig({
  test: {
    root,
    include: ['test/tracking/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/helpers/mlflow-global-setup.ts'],
  },
})
