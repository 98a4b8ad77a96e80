import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Run} from '../../src/tracking/types.js'
import {runCli} from '../helpers/cli.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from './mlflow-context.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-parse-sweep-tracking-'))
const metric = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value
const param = (run: Run, key: string) => run.data.params.find((p) => p.key === key)?.value
const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value

reportMlflowMissing()

describe.skipIf(!mlflowAvailable)('flare parse --sweep with MLflow tracking (real server)', () => {
  let server: MlflowTestServer
  beforeAll(async () => {
    server = await useMlflowServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  it('logs a parent run and one nested run per setting, with its scores', async () => {
    const log = path.join(tmp, 'events.log')
    const lines: string[] = []
    for (let i = 0; i < 30; i++) lines.push(`worker ${i % 5} started job ${i}`, `worker ${i % 5} failed job ${i}`)
    writeFileSync(log, lines.join('\n') + '\n')
    const experiment = uniqueName('flare-parse-sweep')
    const run = await runCli(['parse', '-i', log, '--sweep', 'sim=0.2,0.8;depth=4', '--experiment', experiment, '--json'], {cwd: tmp, env: {MLFLOW_TRACKING_URI: server.uri}})
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.mlflow.problems).toBeNull()
    const exp = (await server.client.getExperimentByName(experiment))!
    const runs = await server.client.searchAllRuns({experimentIds: [exp.experiment_id]})
    expect(runs).toHaveLength(3)
    const parent = runs.find((r) => r.info.run_id === report.mlflow.parent_run_id)!
    const children = runs.filter((r) => r !== parent)
    for (const child of children) {
      expect(tag(child, 'mlflow.parentRunId')).toBe(parent.info.run_id)
      const scored = report.ranked.find((s: {index: number}) => String(s.index) === tag(child, 'flare.sweep_index'))
      expect(Number(param(child, 'sim_threshold'))).toBe(scored.drain.simThreshold)
      expect(metric(child, 'templates')).toBe(scored.templates)
      expect(metric(child, 'rank')).toBe(scored.rank)
    }
    expect(tag(parent, 'flare.best_index')).toBe(String(report.best.index))
  })
})
