import type {SweepChild, SweepMetric, SweepResult, SweepShared} from '../core/sweep.js'
import type {Dataset, Experiment} from './types.js'
import type {MlflowClient} from './mlflow-client.js'
import {confusionPng, inputDataset, logBundleAsModel, metricList, paramString, registerModelVersion, runUrl, standardTags, type Tracker} from './tracker.js'

export interface SweepRunOptions {
  experiment: Experiment
  input: string
  detectors: readonly string[]
  metric: SweepMetric
  candidates: number
  command?: string
}

export interface LoggedChild {
  index: number
  runId?: string
  /** The model folder's artifact URI, when it was logged. */
  model?: {source: string; modelId?: string}
}

/** The params of one sweep child: its detector and every hyper-parameter, and the shared data settings. */
export function childParams(child: SweepChild, shared: SweepShared): Record<string, string> {
  const params: Record<string, string> = {detector: child.detector}
  for (const [key, value] of Object.entries(child.params)) params[key] = paramString(value)
  Object.assign(params, {
    features: child.features.sets.join(','),
    transform: child.features.transform,
    max_bigrams: String(child.features.maxBigrams),
    format: shared.format,
    session_key: shared.sessionKey,
    vocabulary_size: String(shared.vocabularySize),
    total_sessions: String(shared.sessions),
  })
  return params
}

/**
 * Logs a sweep to MLflow as one parent run with a nested child run (tag mlflow.parentRunId) per
 * detector × parameter combination. Every step goes through the tracker: a failure is recorded,
 * never thrown, so the sweep's ranking survives a server that goes away half way.
 */
export class SweepRun {
  parentRunId?: string
  readonly children: LoggedChild[] = []
  private dataset?: Dataset
  private baseTags: Record<string, string> = {}
  private stamp = ''
  /** Runs created and not yet ended: what `kill` ends as KILLED. */
  private readonly open = new Set<string>()
  /** Runs whose end as FINISHED is under way: `kill` lets it land rather than undo it. */
  private readonly ending = new Set<string>()
  /** Creations and ends under way: `kill` sees to their runs once they land. */
  private readonly changing = new Set<Promise<unknown>>()

  constructor(
    private readonly tracker: Tracker,
    private readonly options: SweepRunOptions,
  ) {}

  private get client(): MlflowClient {
    return this.tracker.client
  }

  get experimentId(): string {
    return this.options.experiment.experiment_id
  }

  url(runId: string): string {
    return runUrl(this.client.trackingUri, this.experimentId, runId)
  }

  async start(): Promise<string | undefined> {
    const {options} = this
    this.baseTags = await standardTags({command: options.command ?? 'flare model sweep', runName: 'sweep', input: options.input, kind: 'sweep'})
    // names stay unique across sweeps of one dataset: the start time (UTC, to the second) tells them apart
    this.stamp = new Date().toISOString().slice(5, 19).replace(/[-:]/g, '').replace('T', '-')
    const runName = `sweep-${this.baseTags.dataset}-${this.stamp}`
    this.parentRunId = await this.createRun('the parent run', runName, {...this.baseTags, 'mlflow.runName': runName})
    if (this.parentRunId) {
      const params = {detectors: options.detectors.join(','), metric: options.metric, candidates: String(options.candidates)}
      await this.tracker.attempt('the parent run params', () => this.client.logBatch(this.parentRunId!, {params}))
    }
    return this.parentRunId
  }

  /** Logs one child: params, metrics, tags, dataset input, confusion matrix and model folder. */
  async logChild(child: SweepChild, shared: SweepShared): Promise<LoggedChild> {
    const logged: LoggedChild = {index: child.index}
    this.children.push(logged)
    const label = `child ${child.index} (${child.detector})`
    if (!this.parentRunId) {
      this.tracker.skipped(label, 'the parent run could not be created')
      return logged
    }
    const parentRunId = this.parentRunId
    const runName = `${child.detector}-${child.index}-${this.stamp}`
    const tags = {...this.baseTags, 'mlflow.runName': runName, 'mlflow.parentRunId': parentRunId, 'flare.run_kind': 'sweep-child', 'flare.detector': child.detector, 'flare.sweep_index': String(child.index)}
    const runId = await this.createRun(`${label} run`, runName, tags)
    if (!runId) return logged
    logged.runId = runId
    await this.tracker.attempt(`${label} params and metrics`, () => this.client.logBatch(runId, {params: childParams(child, shared), metrics: metricList(child.metrics)}))
    await this.tracker.attempt(`${label} dataset input`, async () => {
      this.dataset ??= await inputDataset({input: this.options.input, columns: child.featureColumns, sessions: shared.sessions, fallbackContent: ''})
      // The schema names this child's feature columns: detectors differ in the feature sets they read.
      const schema = JSON.stringify({mlflow_colspec: child.featureColumns.map((name) => ({type: 'double', name, required: true}))})
      const profile = JSON.stringify({num_rows: shared.sessions, num_features: child.featureColumns.length})
      await this.client.logInputs(runId, [{dataset: {...this.dataset, schema, profile}, context: 'training'}])
    })
    await this.tracker.attempt(`${label} confusion_matrix.png`, () =>
      this.client.uploadArtifact(runId, 'confusion_matrix.png', confusionPng(child.evaluation, `${child.detector} · F1 ${child.evaluation.f1.toFixed(3)}`)),
    )
    if (child.bundle) {
      const bundle = child.bundle
      logged.model = await this.tracker.attempt(`${label} model folder`, () => logBundleAsModel(this.client, runId, bundle))
    }
    await this.finishRun(`${label} status`, runId)
    return logged
  }

  /** Puts the best child's id and metric on the parent, logs the shared dataset and timings, and ends it. */
  async finish(result: SweepResult): Promise<void> {
    if (!this.parentRunId) return
    const parentRunId = this.parentRunId
    const best = this.children.find((c) => c.index === result.best.index)
    const metric = result.metric
    const metrics: Record<string, number> = {
      [`best_${metric}`]: result.best.metrics[metric]!,
      best_precision: result.best.metrics.precision!,
      best_recall: result.best.metrics.recall!,
      best_f1: result.best.metrics.f1!,
      children: result.ranked.length,
      total_sessions: result.prepared.sessions.length,
      lines: result.prepared.mined.lines,
      ...result.timings,
    }
    const tags: Record<string, string> = {'flare.best_detector': result.best.detector, 'flare.best_metric': metric, 'flare.best_index': String(result.best.index)}
    // (the `candidates` param counts those given; `children` those run; this says why they differ)
    if (result.leftOut) tags['flare.left_out'] = `${result.leftOut.runs} of ${result.leftOut.of}: ${result.leftOut.reason}`
    if (best?.runId) {
      tags['flare.best_run_id'] = best.runId
      tags.best_run_id = best.runId
    }
    // total_sessions is a metric of the parent; a param of the same name would show it twice
    const params = {format: result.prepared.mined.format, session_key: result.prepared.sessionDescription, vocabulary_size: String(result.vocabularySize)}
    await this.tracker.attempt('the parent run best child', () => this.client.logBatch(parentRunId, {params, metrics: metricList(metrics), tags}))
    if (this.dataset) await this.tracker.attempt('the parent run dataset input', () => this.client.logInputs(parentRunId, [{dataset: this.dataset!, context: 'training'}]))
    await this.finishRun('the parent run status', parentRunId)
  }

  /**
   * Ends the runs still open (the parent, the child being logged) as KILLED, after an interrupt.
   * No later step is tried. The runs open now end at once; a run being created, or ended as
   * FINISHED, is seen to once that lands (KILLED if it did not end). Resolves to how many runs it
   * ended; rejects when the server did not take one.
   */
  async kill(): Promise<number> {
    this.tracker.stop('the sweep was interrupted')
    const killed = new Set<string>()
    const killOpen = async (): Promise<void> => {
      const runIds = [...this.open].filter((runId) => !this.ending.has(runId) && !killed.has(runId))
      for (const runId of runIds) killed.add(runId)
      await Promise.all(runIds.map((runId) => this.client.endRun(runId, 'KILLED')))
    }
    await Promise.all([killOpen(), Promise.allSettled(this.changing).then(killOpen)])
    return killed.size
  }

  private async createRun(what: string, runName: string, tags: Record<string, string>): Promise<string | undefined> {
    const run = await this.changingRuns(
      this.tracker.attempt(what, async () => {
        const created = await this.client.createRun({experimentId: this.experimentId, runName, tags})
        this.open.add(created.info.run_id)
        return created
      }),
    )
    return run?.info.run_id
  }

  private async finishRun(what: string, runId: string): Promise<void> {
    await this.changingRuns(
      this.tracker.attempt(what, async () => {
        this.ending.add(runId)
        try {
          await this.client.endRun(runId, 'FINISHED')
          this.open.delete(runId)
        } finally {
          this.ending.delete(runId)
        }
      }),
    )
  }

  private async changingRuns<T>(step: Promise<T>): Promise<T> {
    this.changing.add(step)
    try {
      return await step
    } finally {
      this.changing.delete(step)
    }
  }

  /** Registers the best child's model as a new version of `name` and points `alias` at it. */
  async promoteBest(result: SweepResult, name: string, alias: string): Promise<{version: string; alias: string} | undefined> {
    const best = this.children.find((c) => c.index === result.best.index)
    const what = `a version of registered model "${name}" (alias ${alias})`
    if (!best?.runId || !best.model) {
      this.tracker.skipped(what, "the best child's model folder was not logged")
      return undefined
    }
    const tags = {[result.metric]: result.best.metrics[result.metric]!.toFixed(4), detector: result.best.detector, sweep_run_id: this.parentRunId ?? ''}
    const registered = await this.tracker.attempt(what, () =>
      registerModelVersion(this.client, {name, source: best.model!.source, modelId: best.model!.modelId, runId: best.runId!, alias, tags, description: `Best of a ${result.ranked.length}-run sweep by ${result.metric}`}),
    )
    return registered ? {version: registered.version, alias} : undefined
  }
}
