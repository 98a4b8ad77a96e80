import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Run} from '../../src/tracking/types.js'
import {runCli} from '../helpers/cli.js'
import {fleetLogWithLabels} from '../helpers/fleet-labels.js'
import {mlflowAvailable, type MlflowTestServer, reportMlflowMissing, uniqueName, useMlflowServer} from '../tracking/mlflow-context.js'

/**
 * `flare model sweep` and the window-rate detector, against a real MLflow server: on a log without
 * session ids (time windows) its window-rate runs are those of `flare detect -d window-rate`, and
 * on id sessions a default sweep of every detector says in one line what it left out, counting
 * only the runs it made.
 */

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-sweep-windows-cli-'))
const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value
const param = (run: Run, key: string) => run.data.params.find((p) => p.key === key)?.value
const metric = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value

interface Report {
  parent_run_id: string
  children: Array<{detector: string; params: Record<string, unknown>; precision: number; recall: number; f1: number; anomalies: number}>
  left_out?: {detectors: string[]; runs: number; of: number; reason: string}
}

// Reason: needs the mlflow binary (.ci/run installs it); without it reportMlflowMissing() registers a placeholder naming the fix.
describe.skipIf(!mlflowAvailable)('flare model sweep with window-rate (real MLflow server)', () => {
  let server: MlflowTestServer
  let env: Record<string, string>

  beforeAll(async () => {
    server = await useMlflowServer()
    env = {MLFLOW_TRACKING_URI: server.uri, FLARE_CACHE_DIR: path.join(tmp, 'cache')}
  })
  afterAll(async () => {
    await server?.close()
    rmSync(tmp, {recursive: true, force: true})
  })

  it('on a multi-host syslog, the window-rate child scores as flare detect -d window-rate does (same F1), nothing left out', async () => {
    const {log, labels} = await fleetLogWithLabels(tmp)
    const r = await runCli(['model', 'sweep', '-i', log, '--labels', labels, '--detectors', 'window-rate,rare-template', '--experiment', uniqueName('flare-sweep-windows'), '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/left out/)
    const report = JSON.parse(r.stdout) as Report
    expect(report.left_out).toBeUndefined()
    // the default grid: window-rate at minScore 4, 6 and 8, rare-template at three shares
    expect(report.children.map((c) => c.detector).sort()).toEqual([...Array(3).fill('rare-template'), ...Array(3).fill('window-rate')])
    const d = await runCli(['detect', '-i', log, '--labels', labels, '-d', 'window-rate', '--json', '--no-track'], {env})
    expect(d.code, d.stderr).toBe(0)
    const detected = JSON.parse(d.stdout) as {summary: {anomalies: number; threshold: number}; evaluation: {precision: number; recall: number; f1: number}}
    // detect's default minScore is its threshold (6)
    const child = report.children.find((c) => c.detector === 'window-rate' && c.params.minScore === detected.summary.threshold)!
    expect(child).toBeDefined()
    const {precision, recall, f1} = detected.evaluation
    expect({precision: child.precision, recall: child.recall, f1: child.f1, anomalies: child.anomalies}).toEqual({precision, recall, f1, anomalies: detected.summary.anomalies})
  }, 120_000)

  it('on id sessions, a sweep of every detector says in one line that it left window-rate out, and counts only the runs it made', async () => {
    const experiment = uniqueName('flare-sweep-left-out')
    const r = await runCli(['model', 'sweep', '-i', 'data/service_sample.jsonl', '--labels', 'data/service_sample_labels.csv', '--experiment', experiment, '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    const given = report.left_out!.of
    expect(report.left_out).toEqual({detectors: ['window-rate'], runs: 3, of: given, reason: 'window-rate scores time windows, but the sessions here are by request id'})
    expect(report.children).toHaveLength(given - 3)
    expect(report.children.some((c) => c.detector === 'window-rate')).toBe(false)
    expect(r.stderr.trim().split('\n')).toEqual([`left out 3 of ${given} runs (window-rate scores time windows, but the sessions here are by request id); sweeping ${given - 3}`])
    // the parent run: `candidates` those given, `children` those run, and a tag saying why they differ
    const exp = (await server.client.getExperimentByName(experiment))!
    const runs = await server.client.searchAllRuns({experimentIds: [exp.experiment_id]})
    const parent = runs.find((run) => run.info.run_id === report.parent_run_id)!
    expect(param(parent, 'candidates')).toBe(String(given))
    expect(metric(parent, 'children')).toBe(given - 3)
    expect(tag(parent, 'flare.left_out')).toBe(`3 of ${given}: window-rate scores time windows, but the sessions here are by request id`)
    expect(runs.filter((run) => tag(run, 'mlflow.parentRunId') === report.parent_run_id)).toHaveLength(given - 3)
  }, 120_000)
})

reportMlflowMissing()
