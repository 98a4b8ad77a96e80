import {inject, it} from 'vitest'
import {MlflowClient} from '../../src/tracking/mlflow-client.js'
import {mlflowBinary, type MlflowServer, startMlflowServer, waitForMlflow} from '../helpers/mlflow-server.js'

import {mlflowMissingMessage as missing} from '../helpers/mlflow-server.js'

/** True when some MLflow server can be had: the shared one from globalSetup, or a binary to start one. */
export const mlflowAvailable =
  inject('mlflowUri') !== undefined || (process.env.FLARE_MLFLOW_TESTS !== 'off' && mlflowBinary() !== undefined)

/** Why the MLflow tests did not run; under FLARE_MLFLOW_TESTS=required (CI) that is a failure. */
export const mlflowMissingMessage = missing

/**
 * For a file whose MLflow tests cannot run: under FLARE_MLFLOW_TESTS=required (CI) a failing test;
 * otherwise a warning naming the fix (the file's describe.skipIf reports its tests as skipped).
 */
export function reportMlflowMissing(): void {
  if (mlflowAvailable) return
  if (process.env.FLARE_MLFLOW_TESTS === 'required') {
    it('has an MLflow server (FLARE_MLFLOW_TESTS=required)', () => {
      throw new Error(missing)
    })
  } else {
    // Reason the tests are skipped: no mlflow binary on this machine (the message says how to get one).
    console.warn(`${missing} (bash test/setup/provision.sh makes one)`)
  }
}

export interface MlflowTestServer {
  uri: string
  client: MlflowClient
  close(): Promise<void>
}

/**
 * The server for this test file: the shared one when globalSetup provided it (waiting until it
 * is healthy), else one started for this file alone, so the tests also run without the config line.
 */
export async function useMlflowServer(): Promise<MlflowTestServer> {
  const shared = inject('mlflowUri')
  let own: MlflowServer | undefined
  let uri: string
  if (shared) {
    await waitForMlflow(shared, {logFile: inject('mlflowLogFile')})
    uri = shared
  } else {
    own = await startMlflowServer()
    uri = own.uri
  }
  // Real servers answer quickly; a short retry keeps a failing test from hanging.
  const client = new MlflowClient({trackingUri: uri, retry: {attempts: 3, baseDelayMs: 100}, timeoutMs: 30_000})
  return {
    uri,
    client,
    async close() {
      await client.close()
      await own?.stop()
    },
  }
}

/** A name no other test (or earlier run against the same server) has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}
