import type {SweepScore} from '../core/evaluate/parser-sweep.js'
import type {MlflowClient} from './mlflow-client.js'
import {metricList, runUrl, standardTags, Tracker} from './tracker.js'

export const DEFAULT_PARSE_SWEEP_EXPERIMENT = 'flare-parse-sweep'

/** The metrics one setting is logged with (truth metrics only when there was a ground truth). */
export function settingMetrics(s: SweepScore): Record<string, number> {
  const metrics: Record<string, number> = {templates: s.templates, singleton_share: s.singletonShare, generalised_share: s.generalisedShare, stability: s.stability, score: s.score, rank: s.rank, elapsed_ms: Math.round(s.elapsedMs)}
  if (s.truth) Object.assign(metrics, {ga: s.truth.ga, pa: s.truth.pa, fga: s.truth.fga, fta: s.truth.fta})
  return metrics
}

/**
 * `flare parse --sweep` in MLflow: a parent run with one nested run per setting (tag
 * mlflow.parentRunId), as `flare model sweep` does. Through a Tracker: a failure is reported at
 * the end, never thrown, so the ranking is printed whatever the server does.
 */
export async function logParserSweep(client: MlflowClient, options: {experiment: string; input: string; ranked: readonly SweepScore[]; truth: boolean}): Promise<{tracker: Tracker; parentRunId?: string; url?: string}> {
  const tracker = new Tracker(client)
  const experiment = await tracker.attempt('the experiment', () => client.getOrCreateExperiment(options.experiment))
  if (!experiment) return {tracker}
  const experimentId = experiment.experiment_id
  const tags = await standardTags({command: 'flare parse --sweep', runName: 'parse-sweep', input: options.input, kind: 'parse-sweep'})
  const stamp = new Date().toISOString().slice(5, 19).replace(/[-:]/g, '').replace('T', '-')
  const parentName = `parse-sweep-${tags.dataset}-${stamp}`
  const parent = await tracker.attempt('the parent run', () => client.createRun({experimentId, runName: parentName, tags: {...tags, 'mlflow.runName': parentName}}))
  if (!parent) return {tracker}
  const parentRunId = parent.info.run_id
  const best = options.ranked[0]
  for (const s of [...options.ranked].sort((a, b) => a.index - b.index)) {
    const runName = `setting-${s.index}-${stamp}`
    const label = `setting ${s.index}`
    const run = await tracker.attempt(`${label} run`, () =>
      client.createRun({experimentId, runName, tags: {...tags, 'mlflow.runName': runName, 'mlflow.parentRunId': parentRunId, 'flare.run_kind': 'parse-sweep-child', 'flare.sweep_index': String(s.index)}}),
    )
    if (!run) continue
    const params = {sim_threshold: String(s.drain.simThreshold), depth: String(s.drain.depth), max_children: String(s.drain.maxChildren), max_clusters: String(s.drain.maxClusters)}
    await tracker.attempt(`${label} params and metrics`, () => client.logBatch(run.info.run_id, {params, metrics: metricList(settingMetrics(s))}))
    await tracker.attempt(`${label} status`, () => client.endRun(run.info.run_id, 'FINISHED'))
  }
  if (best) {
    const metrics = {settings: options.ranked.length, best_score: best.score, ...(best.truth ? {best_ga: best.truth.ga, best_fga: best.truth.fga} : {})}
    await tracker.attempt('the parent run summary', () =>
      client.logBatch(parentRunId, {params: {ranked_by: options.truth ? 'ga' : 'unsupervised'}, metrics: metricList(metrics), tags: {'flare.best_index': String(best.index)}}),
    )
  }
  await tracker.attempt('the parent run status', () => client.endRun(parentRunId, 'FINISHED'))
  return {tracker, parentRunId, url: runUrl(client.trackingUri, experimentId, parentRunId)}
}
