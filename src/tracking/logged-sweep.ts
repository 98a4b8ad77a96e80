import {runSweep, TIE_RULE, type LeftOut, type SweepChild, type SweepMetric, type SweepOptions, type SweepResult} from '../core/sweep.js'
import type {MlflowClient} from './mlflow-client.js'
import {SweepRun} from './sweep-run.js'
import {Tracker} from './tracker.js'

/** `flare model sweep`'s answer: the ranked children with their MLflow run ids. */
export interface SweepReport {
  experiment: {id: string; name: string}
  parent_run_id?: string
  url?: string
  metric: SweepMetric
  /** How equal scores were ranked. */
  tie_rule: string
  best: SweepRow
  children: SweepRow[]
  /** Candidates dropped because they do not fit the sessions (a default list of every detector on id sessions). */
  left_out?: LeftOut
  promoted?: {name: string; version: string; alias: string}
  not_logged: string[]
  timings: Record<string, number>
}

export interface SweepRow {
  rank: number
  index: number
  detector: string
  params: Record<string, unknown>
  /** Feature sets (joined with +) and transform the child was fitted on. */
  features: string
  transform: string
  run_id?: string
  precision: number
  recall: number
  f1: number
  anomalies: number
  fit_ms: number
}

export interface LoggedSweepOptions extends Omit<SweepOptions, 'onChild' | 'metric'> {
  experiment: string
  detectors: readonly string[]
  metric: SweepMetric
  /** Register the best child's model and point this alias at it. */
  promote?: {name: string; alias: string}
  /** Told the sweep's runs before any exists (to end them as KILLED on an interrupt: SweepRun.kill). */
  onSweepRun?: (sweepRun: SweepRun) => void
  /** The parent run exists; the input is about to be read. */
  onStart?: () => void
  /** A child was fitted and scored (before it is logged), and then logged. */
  onChildFitted?: (child: SweepChild, total: number) => void
  onChildLogged?: (child: SweepChild, total: number) => void
  /** Every child is fitted (`runs` of them); the parent is about to be finished. */
  onSwept?: (runs: number) => void
}

export interface LoggedSweep {
  report: SweepReport
  result: SweepResult
  /** What could not be logged, when the server failed part way (the ranking is still intact). */
  problems?: string
}

/**
 * A sweep logged to MLflow: one parent run, a nested run per child, the best one optionally
 * registered. The sweep exists to be logged, so a server that is down fails it before any work
 * (getOrCreateExperiment); failures after that are collected by the tracker and returned.
 */
export async function runLoggedSweep(client: MlflowClient, options: LoggedSweepOptions): Promise<LoggedSweep> {
  const {experiment: experimentName, detectors, metric, promote, onSweepRun, onStart, onChildFitted, onChildLogged, onSwept, ...sweep} = options
  const experiment = await client.getOrCreateExperiment(experimentName)
  const tracker = new Tracker(client)
  const sweepRun = new SweepRun(tracker, {experiment, input: sweep.input, detectors, metric, candidates: sweep.candidates.length})
  onSweepRun?.(sweepRun)
  await sweepRun.start()
  onStart?.()
  const result = await runSweep({
    ...sweep,
    metric,
    onChild: async (child, total, shared) => {
      onChildFitted?.(child, total)
      await sweepRun.logChild(child, shared)
      onChildLogged?.(child, total)
    },
  })
  onSwept?.(result.ranked.length)
  await sweepRun.finish(result)
  const promoted = promote ? await sweepRun.promoteBest(result, promote.name, promote.alias) : undefined

  const runIds = new Map(sweepRun.children.map((c) => [c.index, c.runId]))
  const rows = result.ranked.map((child, i) => row(child, i + 1, runIds.get(child.index)))
  const report: SweepReport = {
    experiment: {id: experiment.experiment_id, name: experiment.name},
    parent_run_id: sweepRun.parentRunId,
    url: sweepRun.parentRunId ? sweepRun.url(sweepRun.parentRunId) : undefined,
    metric,
    tie_rule: TIE_RULE,
    best: rows[0]!,
    children: rows,
    ...(result.leftOut ? {left_out: result.leftOut} : {}),
    promoted: promoted && promote ? {name: promote.name, ...promoted} : undefined,
    not_logged: tracker.failures.map((f) => f.what),
    timings: result.timings,
  }
  return {report, result, problems: tracker.report()}
}

function row(child: SweepChild, rank: number, runId: string | undefined): SweepRow {
  return {
    rank,
    index: child.index,
    detector: child.detector,
    params: child.overrides,
    features: child.features.sets.join('+'),
    transform: child.features.transform,
    run_id: runId,
    precision: child.metrics.precision!,
    recall: child.metrics.recall!,
    f1: child.metrics.f1!,
    anomalies: child.metrics.anomalies!,
    fit_ms: child.metrics.fit_ms!,
  }
}
