import {userInfo} from 'node:os'
import type {SummariesDocument} from '../core/explain/index.js'
import type {Results} from '../core/results.js'
import {FLARE_VERSION} from '../core/version.js'
import {DEFAULT_DETECT_EXPERIMENT, trackingConfigFromEnv, type TrackingConfig} from '../tracking/config.js'
import {MlflowClient} from '../tracking/mlflow-client.js'
import {metricList, runUrl, Tracker} from '../tracking/tracker.js'

/** What a worker computed for MLflow from the full detection output (the bundle stays in the worker). */
export interface RunValues {
  params: Record<string, string>
  metrics: Record<string, number>
}

/** What a response says about MLflow: whether the run was logged, and where (never credentials). */
export interface MlflowStatus {
  /** off: not configured; logged; pending: still logging when the response left; failed; skipped: backlog full. */
  status: 'off' | 'logged' | 'pending' | 'failed' | 'skipped'
  run_id: string | null
  url: string | null
  error: string | null
}

export interface ServeTrackingOptions {
  /** Default: $MLFLOW_EXPERIMENT_NAME, else the experiment `flare detect` logs to. */
  experiment?: string
  /** How long a response waits for its run to be logged; the logging goes on after that, in the background. */
  waitMs: number
  /** Runs being logged at once; beyond that a run is skipped rather than queued behind a slow server. */
  maxInFlight?: number
  env?: NodeJS.ProcessEnv
}

const OFF: MlflowStatus = {status: 'off', run_id: null, url: null, error: null}

/**
 * Logs each analysis the server makes as an MLflow run (params, metrics, tags with source=serve,
 * results.json), like `flare detect` does, but never on the analysis's critical path: a response
 * waits at most `waitMs`, a slow or unreachable server costs the run, never the analysis, and a
 * backlog beyond `maxInFlight` runs is dropped rather than piling up requests to a dead server.
 */
export class ServeTracking {
  readonly config: TrackingConfig
  readonly experiment: string
  private readonly inFlight = new Set<Promise<unknown>>()
  private experimentId?: string

  constructor(private readonly options: ServeTrackingOptions) {
    this.config = trackingConfigFromEnv(options.env ?? process.env)
    this.experiment = options.experiment ?? this.config.experimentName ?? DEFAULT_DETECT_EXPERIMENT
  }

  /** Null when MLFLOW_TRACKING_URI is unset; throws (a FlareError) when it is set but unusable. */
  static fromEnv(options: ServeTrackingOptions): ServeTracking | undefined {
    return (options.env ?? process.env).MLFLOW_TRACKING_URI ? new ServeTracking(options) : undefined
  }

  get trackingUri(): string {
    return this.config.trackingUri
  }

  async track(run: {endpoint: string; results: Results; values: RunValues; historyRunId: number | null; summaries?: SummariesDocument}): Promise<MlflowStatus> {
    if (this.inFlight.size >= (this.options.maxInFlight ?? 4)) {
      return {...OFF, status: 'skipped', error: `not logged: ${this.inFlight.size} runs are still being logged to MLflow at ${this.trackingUri}`}
    }
    let runId: string | undefined
    const logging = this.log(run, (id) => void (runId = id))
    this.inFlight.add(logging)
    void logging.finally(() => this.inFlight.delete(logging))
    let timer: NodeJS.Timeout | undefined
    const waited = await Promise.race([logging, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.options.waitMs)))])
    clearTimeout(timer)
    if (waited) return waited
    return {status: 'pending', run_id: runId ?? null, url: runId && this.experimentId ? runUrl(this.trackingUri, this.experimentId, runId) : null, error: null}
  }

  /** Waits (at most `ms`) for runs still being logged, so a clean shutdown does not cut them off. */
  async drain(ms = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
    clearTimeout(timer)
  }

  private async log(run: Parameters<ServeTracking['track']>[0], onRun: (id: string) => void): Promise<MlflowStatus> {
    // A client per run: the client gives up on a server that failed once, which is right for one
    // CLI run but would leave a long-running server untracked after one outage.
    const client = new MlflowClient(this.config)
    const tracker = new Tracker(client)
    try {
      const {results} = run
      const what = 'the run (params, metrics, tags, results.json)'
      const experimentId = this.experimentId ?? (await tracker.attempt(what, () => client.getOrCreateExperiment(this.experiment)))?.experiment_id
      if (!experimentId) return failed(tracker)
      this.experimentId = experimentId
      const runName = `${results.summary.detector}-serve${run.endpoint.replaceAll('/', '-')}`
      const created = await tracker.attempt(what, () => client.createRun({experimentId, runName, tags: this.tags(run, runName)}))
      if (!created) return failed(tracker)
      const runId = created.info.run_id
      onRun(runId)
      const metrics = {...run.values.metrics, ...summaryMetrics(run.summaries)}
      await tracker.attempt('params and metrics', () => client.logBatch(runId, {params: run.values.params, metrics: metricList(metrics)}))
      await tracker.attempt('results.json', () => client.uploadArtifact(runId, 'results.json', JSON.stringify(results, null, 2)))
      if (run.summaries) await tracker.attempt('summaries.json', () => client.uploadArtifact(runId, 'summaries.json', JSON.stringify(run.summaries, null, 2)))
      const status = tracker.complete ? 'FINISHED' : 'FAILED'
      await client.endRun(runId, status).catch(() => tracker.skipped('the run status', 'the server did not take it'))
      const url = runUrl(this.trackingUri, experimentId, runId)
      return tracker.complete ? {status: 'logged', run_id: runId, url, error: null} : {status: 'failed', run_id: runId, url, error: tracker.report() ?? null}
    } catch (error) {
      return {...OFF, status: 'failed', error: `MLflow at ${this.trackingUri}: ${(error as Error).message}`}
    } finally {
      await client.close().catch(() => undefined)
    }
  }

  private tags(run: Parameters<ServeTracking['track']>[0], runName: string): Record<string, string> {
    const tags: Record<string, string> = {
      'mlflow.runName': runName,
      'mlflow.user': userName(),
      'mlflow.source.name': 'flare serve',
      'mlflow.source.type': 'LOCAL',
      'flare.version': FLARE_VERSION,
      'node.version': process.version,
      'flare.run_kind': 'detect',
      'flare.source': 'serve',
      'flare.endpoint': run.endpoint,
      'flare.detector': run.results.summary.detector,
      dataset: run.results.summary.input,
    }
    if (run.historyRunId !== null) tags['flare.history_run'] = String(run.historyRunId)
    return tags
  }
}

function failed(tracker: Tracker): MlflowStatus {
  return {...OFF, status: 'failed', error: tracker.report() ?? 'not logged'}
}

/** What /analyze adds: how the explanations went and what they cost. */
function summaryMetrics(summaries?: SummariesDocument): Record<string, number> {
  if (!summaries) return {}
  const t = summaries.totals
  return {
    summaries_ok: t.ok,
    summaries_failed: t.failed,
    llm_input_tokens: t.input_tokens,
    llm_output_tokens: t.output_tokens,
    ...(t.cost_usd === null ? {} : {llm_cost_usd: t.cost_usd}),
  }
}

function userName(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? 'unknown'
  }
}
