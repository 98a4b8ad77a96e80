import type {TestProject} from 'vitest/node'
import {launchMlflowServer, mlflowBinary, mlflowMissingMessage} from './mlflow-server.js'

/**
 * Vitest globalSetup: one `mlflow server` for the whole run, shared by every tracking test.
 * It is launched here but not awaited, so runs that need no MLflow pay nothing for its 10-30 s
 * start; tracking tests wait for /health themselves (test/tracking/mlflow-context.ts).
 * Without an mlflow binary nothing is provided and those tests skip, saying why.
 * FLARE_MLFLOW_TESTS=off skips them on purpose; =required (CI) makes a missing binary an error.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const mode = process.env.FLARE_MLFLOW_TESTS
  if (mode === 'off') return undefined
  if (!mlflowBinary()) {
    if (mode === 'required') throw new Error(`FLARE_MLFLOW_TESTS=required, but: ${mlflowMissingMessage}`)
    console.warn(mlflowMissingMessage)
    return undefined
  }
  const server = await launchMlflowServer()
  project.provide('mlflowUri', server.uri)
  project.provide('mlflowLogFile', server.logFile)
  return () => server.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the shared MLflow server; absent when there is no mlflow binary. */
    mlflowUri?: string
    mlflowLogFile?: string
  }
}
