import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../../core/errors.js'
import type {Run} from '../../tracking/types.js'
import {truncate} from '../../ui/format.js'
import {out} from '../../ui/style.js'
import {table} from '../../ui/table.js'
import {FlareCommand} from '../base.js'
import {DEFAULT_DETECT_EXPERIMENT, requireMlflowClient} from '../../ui/mlflow.js'

export interface ComparedRun {
  run_id: string
  run_name?: string
  start_time?: string
  params: Record<string, string>
  metrics: Record<string, number>
  best: boolean
}

export interface CompareResult {
  experiment: string
  metric: string
  /** Params whose value is not the same in every compared run (a missing param counts as a value). */
  differing_params: string[]
  metrics: string[]
  best_run_id?: string
  runs: ComparedRun[]
}

const STANDARD_METRICS = ['f1', 'precision', 'recall', 'anomalies', 'anomaly_rate', 'elapsed_ms']

export default class ModelCompare extends FlareCommand {
  static override description = 'Compare recent runs of an experiment side by side: the params that differ, their metrics, the best highlighted'
  static override examples = [
    '<%= config.bin %> model compare',
    '<%= config.bin %> model compare --experiment flare-sweep --n 5 --metric recall',
  ]
  static override enableJsonFlag = true
  static override flags = {
    experiment: Flags.string({char: 'e', description: `MLflow experiment [default: $MLFLOW_EXPERIMENT_NAME or ${DEFAULT_DETECT_EXPERIMENT}]`}),
    n: Flags.integer({description: 'how many of the most recent runs', default: 10, min: 1, max: 1000}),
    metric: Flags.string({char: 'm', description: 'metric that picks the best run (higher is better)', default: 'f1'}),
  }

  async run(): Promise<CompareResult> {
    const {flags} = await this.parse(ModelCompare)
    const client = requireMlflowClient('flare model compare')
    try {
      const name = flags.experiment ?? client.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT
      const experiment = await client.getExperimentByName(name)
      if (!experiment) {
        throw new FlareError(`no MLflow experiment named "${name}" on ${client.trackingUri}`, {
          exitCode: ExitCode.badInput,
          hint: 'flare detect logs to flare-detection and flare model sweep to flare-sweep; choose one with --experiment',
        })
      }
      // Sweep parents only summarise their children; compare the runs that fitted something.
      const fetched = await client.searchAllRuns({experimentIds: [experiment.experiment_id], orderBy: ['attributes.start_time DESC'], maxResults: Math.min(1000, flags.n * 3)}, flags.n * 3)
      const runs = fetched.filter((r) => tag(r, 'flare.run_kind') !== 'sweep').slice(0, flags.n)
      const result = compareRuns(name, runs, flags.metric)
      if (!this.jsonEnabled()) this.render(result)
      return result
    } finally {
      await client.close()
    }
  }

  private render(result: CompareResult): void {
    this.log(`${out.bold(result.experiment)} ${out.dim(`· ${result.runs.length} most recent run${result.runs.length === 1 ? '' : 's'} · best by ${result.metric}`)}`)
    if (result.runs.length === 0) {
      this.log(out.dim('No runs yet: flare detect logs one when MLFLOW_TRACKING_URI is set.'))
      return
    }
    // Runs side by side, one column each, as MLflow's own compare view lays them out.
    const head = ['run', ...result.runs.map((r) => (r.best ? `★ ${r.run_id.slice(0, 8)}` : r.run_id.slice(0, 8)))]
    const t = table(head, {colAligns: ['left', ...result.runs.map(() => 'right' as const)]})
    const mark = (r: ComparedRun, s: string): string => (r.best ? out.green.bold(s) : s)
    t.push([out.dim('name'), ...result.runs.map((r) => out.dim(truncate(r.run_name ?? '', 20)))])
    t.push([out.dim('started'), ...result.runs.map((r) => out.dim(r.start_time?.slice(5, 16).replace('T', ' ') ?? ''))])
    for (const p of result.differing_params) t.push([`param ${p}`, ...result.runs.map((r) => truncate(r.params[p] ?? '—', 22))])
    for (const m of result.metrics) {
      const label = m === result.metric ? out.bold(m) : m
      t.push([label, ...result.runs.map((r) => (r.metrics[m] === undefined ? out.dim('—') : mark(r, formatMetric(m, r.metrics[m]!))))])
    }
    this.log(t.toString())
    if (result.differing_params.length === 0 && result.runs.length > 1) this.log(out.dim('All compared runs have the same params.'))
    const best = result.runs.find((r) => r.best)
    if (best) this.log(`${out.green('★')} best by ${result.metric}: ${out.bold(best.run_name ?? best.run_id)} ${out.dim(`(run ${best.run_id}, ${result.metric} ${formatMetric(result.metric, best.metrics[result.metric]!)})`)}`)
    else this.log(out.dim(`No run has a "${result.metric}" metric (it needs --labels).`))
  }
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value
}

const RATIOS = new Set(['f1', 'precision', 'recall', 'anomaly_rate'])

function formatMetric(key: string, x: number): string {
  if (RATIOS.has(key) || key.startsWith('best_')) return x.toFixed(3)
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3)
}

/** The comparison itself: which params differ, which metrics to show, which run is best. */
export function compareRuns(experiment: string, runs: readonly Run[], metric: string): CompareResult {
  const paramsOf = runs.map((r) => Object.fromEntries(r.data.params.map((p) => [p.key, p.value])))
  const metricsOf = runs.map((r) => Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])))
  const keys = [...new Set(paramsOf.flatMap((p) => Object.keys(p)))].sort()
  const differing = runs.length < 2 ? keys : keys.filter((k) => new Set(paramsOf.map((p) => p[k] ?? '\u0000missing')).size > 1)
  const present = new Set(metricsOf.flatMap((m) => Object.keys(m)))
  const metrics = [metric, ...STANDARD_METRICS.filter((m) => m !== metric)].filter((m) => present.has(m))
  // Ties go to the run that got there first (as in a sweep, where the earlier child wins).
  const started = (i: number): number => runs[i]!.info.start_time ?? 0
  let bestIndex = -1
  metricsOf.forEach((m, i) => {
    const v = m[metric]
    if (v === undefined || !Number.isFinite(v)) return
    const current = bestIndex < 0 ? undefined : metricsOf[bestIndex]![metric]!
    if (current === undefined || v > current || (v === current && started(i) < started(bestIndex))) bestIndex = i
  })
  return {
    experiment,
    metric,
    differing_params: differing,
    metrics,
    best_run_id: bestIndex >= 0 ? runs[bestIndex]!.info.run_id : undefined,
    runs: runs.map((r, i) => ({
      run_id: r.info.run_id,
      run_name: r.info.run_name,
      start_time: r.info.start_time ? new Date(r.info.start_time).toISOString() : undefined,
      params: Object.fromEntries(differing.filter((k) => paramsOf[i]![k] !== undefined).map((k) => [k, paramsOf[i]![k]!])),
      metrics: Object.fromEntries(metrics.filter((m) => metricsOf[i]![m] !== undefined).map((m) => [m, metricsOf[i]![m]!])),
      best: i === bestIndex,
    })),
  }
}
