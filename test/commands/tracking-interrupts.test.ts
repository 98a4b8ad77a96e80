import type {ChildProcess} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {holdingProxy, type HoldingProxy, isModelUpload} from '../helpers/holding-proxy.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from '../tracking/mlflow-context.js'

/**
 * Ctrl-C or SIGTERM while a run is being logged to MLflow (the model folder uploading): the
 * temporary bundle and model folders are gone after the exit, and the exit status is the signal's.
 * A proxy in front of the real server holds the first model-folder upload and signals the CLI then,
 * so the signal lands at that moment every time.
 */

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-tracking-interrupts-'))
const proxies: HoldingProxy[] = []

afterAll(async () => {
  for (const proxy of proxies) await proxy.close()
  rmSync(tmp, {recursive: true, force: true})
})

/** A proxy to `target` that calls `onModelUpload` (and never answers) at the first upload into a model folder. */
async function modelUploadProxy(target: string, onModelUpload: () => void): Promise<string> {
  let fired = false
  const proxy = await holdingProxy(target, (req) => {
    if (!isModelUpload(req)) return false
    if (!fired) {
      fired = true
      onModelUpload()
    }
    return true
  })
  proxies.push(proxy)
  return proxy.uri
}

/** Runs the built CLI against `mlflowUri` through a holding proxy, sends `signal` at the first model upload. */
async function interruptWhileLogging(args: string[], mlflowUri: string, signal: NodeJS.Signals): Promise<{code: number; stderr: string; signalled: boolean; tempDir: string}> {
  const tempDir = mkdtempSync(path.join(tmp, 'tmpdir-'))
  let signalled = false
  let child: ChildProcess | undefined
  const uri = await modelUploadProxy(mlflowUri, () => {
    signalled = true
    child?.kill(signal)
  })
  const r = await runCli(args, {env: {TMPDIR: tempDir, MLFLOW_TRACKING_URI: uri, FLARE_MLFLOW_TIMEOUT: '60'}, killAfterMs: 120_000, onSpawn: (c) => (child = c)})
  return {code: r.code, stderr: r.stderr, signalled, tempDir}
}

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() registers a placeholder naming the fix.
describe.skipIf(!mlflowAvailable)('a signal while logging to MLflow (real server)', () => {
  let server: MlflowTestServer

  beforeAll(async () => {
    server = await useMlflowServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  /** The statuses of the runs in `experiment`. */
  async function statuses(experiment: string): Promise<string[]> {
    const exp = (await server.client.getExperimentByName(experiment))!
    return (await server.client.searchAllRuns({experimentIds: [exp.experiment_id]})).map((run) => run.info.status)
  }

  it('detect: SIGINT leaves no bundle or model folder, exits 130 and ends the run KILLED', async () => {
    const experiment = uniqueName('flare-interrupted-detect')
    const r = await interruptWhileLogging(['detect', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--experiment', experiment], server.uri, 'SIGINT')
    expect(r.signalled, r.stderr).toBe(true)
    expect(r.code, r.stderr).toBe(130)
    expect(readdirSync(r.tempDir)).toEqual([])
    expect(await statuses(experiment)).toEqual(['KILLED'])
  })

  it('detect -o: SIGTERM exits 143, not 130, ends the run KILLED and leaves nothing behind', async () => {
    const experiment = uniqueName('flare-terminated-detect')
    const out = path.join(tmp, 'terminated.json')
    const r = await interruptWhileLogging(['detect', '-i', 'data/hdfs_sample.log', '-o', out, '--experiment', experiment], server.uri, 'SIGTERM')
    expect(r.signalled, r.stderr).toBe(true)
    expect(r.code, r.stderr).toBe(143)
    expect(readdirSync(r.tempDir)).toEqual([])
    expect(await statuses(experiment)).toEqual(['KILLED'])
  })

  it('model sweep: SIGINT exits 130 and SIGTERM 143, with no bundle or model folder left', async () => {
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const r = await interruptWhileLogging(['model', 'sweep', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--detectors', 'pca', '--experiment', uniqueName('flare-interrupted-sweep')], server.uri, signal)
      expect(r.signalled, r.stderr).toBe(true)
      expect(r.code, `${signal}: ${r.stderr}`).toBe(status)
      expect(readdirSync(r.tempDir), signal).toEqual([])
    }
  })
})

reportMlflowMissing()
