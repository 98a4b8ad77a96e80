import {ExitCode, FlareError} from '../core/errors.js'
import {DEFAULT_DETECT_EXPERIMENT} from './config.js'
import type {MlflowClient} from './mlflow-client.js'
import type {Run} from './types.js'

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

/** The metrics shown after the ranking one, when the runs have them. */
const STANDARD_METRICS = ['f1', 'precision', 'recall', 'anomalies', 'anomaly_rate', 'elapsed_ms']

/**
 * The `n` most recent runs of an experiment that fitted something (sweep parents only summarise
 * their children), compared by `metric`. The experiment defaults as `flare detect`'s does.
 */
export async function compareRecentRuns(client: MlflowClient, options: {experiment?: string; n: number; metric: string}): Promise<CompareResult> {
  const name = options.experiment ?? client.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT
  const experiment = await client.getExperimentByName(name)
  if (!experiment) {
    throw new FlareError(`no MLflow experiment named "${name}" on ${client.trackingUri}`, {
      exitCode: ExitCode.badInput,
      hint: 'flare detect logs to flare-detection and flare model sweep to flare-sweep; choose one with --experiment',
    })
  }
  const fetched = await client.searchAllRuns({experimentIds: [experiment.experiment_id], orderBy: ['attributes.start_time DESC'], maxResults: Math.min(1000, options.n * 3)}, options.n * 3)
  const runs = fetched.filter((r) => tag(r, 'flare.run_kind') !== 'sweep').slice(0, options.n)
  return compareRuns(name, runs, options.metric)
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value
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
