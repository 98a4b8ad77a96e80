import {ExitCode, FlareError} from '../core/errors.js'
import {DEFAULT_DETECT_EXPERIMENT, DEFAULT_SWEEP_EXPERIMENT} from './config.js'
import type {MlflowClient} from './mlflow-client.js'
import type {Run} from './types.js'

export interface ComparedRun {
  run_id: string
  run_name?: string
  start_time?: string
  /** The log the run was fitted or scored on (its `dataset` tag). */
  dataset?: string
  params: Record<string, string>
  metrics: Record<string, number>
  best: boolean
}

export interface CompareResult {
  experiment: string
  /** Which runs were compared, in words: one sweep's children, or one dataset's runs. */
  scope: string
  metric: string
  /** Params whose value is not the same in every compared run (a missing param counts as a value). */
  differing_params: string[]
  metrics: string[]
  best_run_id?: string
  runs: ComparedRun[]
}

/** The metrics shown after the ranking one, when the runs have them. */
const STANDARD_METRICS = ['f1', 'precision', 'recall', 'anomalies', 'anomaly_rate', 'elapsed_ms']

export interface CompareOptions {
  /** Default: whichever of the detect experiment and flare-sweep was written to last. */
  experiment?: string
  n: number
  metric: string
  /** The metric was asked for (--metric), not the default: a metric no run has is then an error, not a note. */
  metricGiven?: boolean
  /** Mix sweeps and datasets instead of comparing within the most recent one. */
  all?: boolean
}

/**
 * The `n` most recent runs that fitted something (sweep parents only summarise their children),
 * compared by `metric`, within one scope so that "best" means something: the children of the most
 * recent sweep when the latest run belongs to one, else the runs on the latest run's dataset.
 */
export async function compareRecentRuns(client: MlflowClient, options: CompareOptions): Promise<CompareResult> {
  const name = options.experiment ?? (await lastWrittenExperiment(client))
  const experiment = await client.getExperimentByName(name)
  if (!experiment) {
    throw new FlareError(`no MLflow experiment named "${name}" on ${client.trackingUri}`, {
      exitCode: ExitCode.badInput,
      hint: 'flare detect logs to flare-detection and flare model sweep to flare-sweep; choose one with --experiment',
    })
  }
  const ids = [experiment.experiment_id]
  const orderBy = ['attributes.start_time DESC']
  const [latest] = await client.searchAllRuns({experimentIds: ids, orderBy, maxResults: 1}, 1)
  let scope = `the ${options.n} most recent runs`
  let filter: string | undefined
  let sweepBest: string | undefined
  if (latest && !options.all) {
    const sweepId = tag(latest, 'flare.run_kind') === 'sweep' ? latest.info.run_id : tag(latest, 'mlflow.parentRunId')
    const dataset = tag(latest, 'dataset')
    if (sweepId) {
      filter = `tags.mlflow.parentRunId = '${sweepId}'`
      // the sweep ranked its children with its own tie rule; the comparison shows the same winner
      const parent = sweepId === latest.info.run_id ? latest : await client.getRun(sweepId)
      if (tag(parent, 'flare.best_metric') === options.metric) sweepBest = tag(parent, 'flare.best_run_id')
      scope = `the sweep ${latest.info.run_name && !tag(latest, 'mlflow.parentRunId') ? latest.info.run_name : sweepId.slice(0, 8)}`
    } else if (dataset) {
      filter = `tags.dataset = '${dataset.replaceAll("'", "\\'")}'`
      scope = `the runs on ${dataset}`
    }
  }
  const fetched = await client.searchAllRuns({experimentIds: ids, orderBy, filter, maxResults: Math.min(1000, options.n * 3)}, options.n * 3)
  const runs = fetched.filter((r) => tag(r, 'flare.run_kind') !== 'sweep').slice(0, options.n)
  const result = compareRuns(name, runs, options.metric, scope, sweepBest)
  if (options.metricGiven && runs.length > 0 && !runs.some((r) => r.data.metrics.some((m) => m.key === options.metric))) {
    const known = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort()
    throw new FlareError(`no compared run has a metric "${options.metric}"`, {
      exitCode: ExitCode.usage,
      hint: known.length > 0 ? `choose --metric from: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}` : 'these runs logged no metrics',
    })
  }
  return result
}

/** The experiment `flare detect` or `flare model sweep` wrote to most recently. */
async function lastWrittenExperiment(client: MlflowClient): Promise<string> {
  const candidates = [...new Set([client.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT, DEFAULT_SWEEP_EXPERIMENT])]
  let best: {name: string; started: number} | undefined
  for (const name of candidates) {
    const experiment = await client.getExperimentByName(name)
    if (!experiment) continue
    const [run] = await client.searchAllRuns({experimentIds: [experiment.experiment_id], orderBy: ['attributes.start_time DESC'], maxResults: 1}, 1)
    const started = run?.info.start_time ?? -1
    if (!best || started > best.started) best = {name, started}
  }
  return best?.name ?? candidates[0]!
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value
}

/** The comparison itself: which params differ, which metrics to show, which run is best. */
export function compareRuns(experiment: string, runs: readonly Run[], metric: string, scope = 'the given runs', preferred?: string): CompareResult {
  const paramsOf = runs.map((r) => Object.fromEntries(r.data.params.map((p) => [p.key, p.value])))
  const metricsOf = runs.map((r) => Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])))
  const keys = [...new Set(paramsOf.flatMap((p) => Object.keys(p)))].sort()
  const differing = runs.length < 2 ? keys : keys.filter((k) => new Set(paramsOf.map((p) => p[k] ?? '\u0000missing')).size > 1)
  const present = new Set(metricsOf.flatMap((m) => Object.keys(m)))
  const metrics = [metric, ...STANDARD_METRICS.filter((m) => m !== metric)].filter((m) => present.has(m))
  // Ties go to the higher precision, then to the run that got there first.
  const started = (i: number): number => runs[i]!.info.start_time ?? 0
  const precision = (i: number): number => metricsOf[i]!.precision ?? Number.NEGATIVE_INFINITY
  let bestIndex = -1
  metricsOf.forEach((m, i) => {
    const v = m[metric]
    if (v === undefined || !Number.isFinite(v)) return
    const current = bestIndex < 0 ? undefined : metricsOf[bestIndex]![metric]!
    const tieWin = v === current && (runs[i]!.info.run_id === preferred || (runs[bestIndex]!.info.run_id !== preferred && (precision(i) > precision(bestIndex) || (precision(i) === precision(bestIndex) && started(i) < started(bestIndex)))))
    if (current === undefined || v > current || tieWin) bestIndex = i
  })
  return {
    experiment,
    scope,
    metric,
    differing_params: differing,
    metrics,
    best_run_id: bestIndex >= 0 ? runs[bestIndex]!.info.run_id : undefined,
    runs: runs.map((r, i) => ({
      run_id: r.info.run_id,
      run_name: r.info.run_name,
      start_time: r.info.start_time ? new Date(r.info.start_time).toISOString() : undefined,
      dataset: tag(r, 'dataset'),
      params: Object.fromEntries(differing.filter((k) => paramsOf[i]![k] !== undefined).map((k) => [k, paramsOf[i]![k]!])),
      metrics: Object.fromEntries(metrics.filter((m) => metricsOf[i]![m] !== undefined).map((m) => [m, metricsOf[i]![m]!])),
      best: i === bestIndex,
    })),
  }
}
