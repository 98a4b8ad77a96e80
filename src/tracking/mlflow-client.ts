import {ExitCode, FlareError} from '../core/errors.js'
import {artifactProxyPath, artifactProxyPrefix, artifactProxyUrlPath, contentTypeFor, joinArtifactPath} from './artifacts.js'
import {type BatchInput, chunkBatch, type KeyValues, toKeyValues} from './batch.js'
import {resolveTrackingConfig, type RetryPolicy, type TrackingConfig, trackingConfigFromEnv} from './config.js'
import {collectPages} from './api-base.js'
import {type HttpRequest, isMlflowErrorCode, MlflowHttp} from './http.js'
import {MlflowLoggedModels} from './logged-models-api.js'
import {
  type Dataset,
  type Experiment,
  envelopes,
  type FileInfo,
  type Metric,
  type Page,
  type Run,
  type RunInfo,
  type RunStatus,
} from './types.js'

export interface CreateRunOptions {
  experimentId: string
  runName?: string
  /** Milliseconds since the epoch; defaults to now. */
  startTime?: number
  tags?: KeyValues
  userId?: string
}

export interface SearchRunsOptions {
  experimentIds: readonly string[]
  /** MLflow's filter syntax, e.g. `metrics.f1 > 0.8 and tags.detector = 'iforest'`. */
  filter?: string
  /** e.g. ['metrics.f1 DESC', 'attributes.start_time DESC'] */
  orderBy?: readonly string[]
  /** Page size; MLflow allows up to 50000. */
  maxResults?: number
  pageToken?: string
  runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL'
}

export interface DatasetInputOptions {
  dataset: Dataset
  /** The role of the data in the run, stored as the `mlflow.data.context` tag: training, evaluation, ... */
  context?: string
  tags?: KeyValues
}

/** Either a run id (its artifact root is looked up once) or an artifact URI the server handed out. */
export type ArtifactRoot = string | {artifactUri: string}

export interface MlflowClientOptions extends Partial<Omit<TrackingConfig, 'retry'>> {
  retry?: Partial<RetryPolicy>
}

/** MLflow 3's experiment kind tag, and the kind of Flare's experiments (classic ML, not GenAI). */
export const EXPERIMENT_KIND_TAG = 'mlflow.experimentKind'
export const EXPERIMENT_KIND = 'custom_model_development'

function tagValue(tags: KeyValues | undefined, key: string): string | undefined {
  return toKeyValues(tags)?.find((t) => t.key === key)?.value
}

/**
 * Typed client for the MLflow 2.x/3.x REST API: experiments, runs, batched logging, dataset
 * lineage, proxied artifacts, and (via the inherited registry calls) models, versions and aliases.
 * Every failure is a FlareError (MlflowApiError) with a hint; transient ones are retried.
 */
export class MlflowClient extends MlflowLoggedModels {
  private readonly artifactRoots = new Map<string, string>()

  constructor(config: MlflowClientOptions & {trackingUri: string}) {
    super(new MlflowHttp(resolveTrackingConfig(config)))
  }

  /** A client configured from MLFLOW_TRACKING_URI and friends; `overrides` win over the environment. */
  static fromEnv(env: Record<string, string | undefined> = process.env, overrides: MlflowClientOptions = {}): MlflowClient {
    return new MlflowClient(trackingConfigFromEnv(env, overrides))
  }

  get trackingUri(): string {
    return this.http.config.trackingUri
  }

  get config(): TrackingConfig {
    return this.http.config
  }

  /** Releases pooled connections; the client must not be used afterwards. */
  close(): Promise<void> {
    return this.http.close()
  }

  /** Resolves when the server answers /health with 200. */
  async health(): Promise<void> {
    await this.http.send({method: 'GET', path: '/health', action: 'check health'})
  }

  /** The server's MLflow version (GET /version), or undefined when it does not say. */
  async serverVersion(): Promise<string | undefined> {
    try {
      const res = await this.http.send({method: 'GET', path: '/version', action: 'read the server version'})
      const text = res.body.toString('utf8').trim()
      return /^\d+\.\d+/.test(text) ? text : undefined
    } catch (error) {
      if (isMlflowErrorCode(error, 'ENDPOINT_NOT_FOUND')) return undefined
      throw error
    }
  }

  // ---- experiments ----

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.get('experiments/get-by-name', {experiment_name: name}, `find experiment "${name}"`, envelopes.experiment)
      return res.experiment
    } catch (error) {
      if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined
      throw error
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.get('experiments/get', {experiment_id: experimentId}, `get experiment ${experimentId}`, envelopes.experiment)
    return res.experiment
  }

  /** Creates an experiment and returns its id. */
  async createExperiment(name: string, options: {artifactLocation?: string; tags?: KeyValues} = {}): Promise<string> {
    const body = {name, artifact_location: options.artifactLocation, tags: toKeyValues(options.tags)}
    const res = await this.post('experiments/create', body, `create experiment "${name}"`, envelopes.experimentId)
    return res.experiment_id
  }

  /**
   * The experiment with this name, created if missing (safe against a concurrent creator). Flare's
   * experiments are model development: without the kind tag MLflow 3's UI opens them as GenAI
   * experiments (traces, "evaluation runs"); an existing experiment gets the tag unless it has one.
   */
  async getOrCreateExperiment(name: string, options: {tags?: KeyValues} = {}): Promise<Experiment> {
    const existing = await this.getExperimentByName(name)
    if (existing) {
      if (existing.lifecycle_stage === 'deleted') {
        throw new FlareError(`MLflow experiment "${name}" is deleted.`, {
          exitCode: ExitCode.dependency,
          hint: 'Restore it in the MLflow UI, or set MLFLOW_EXPERIMENT_NAME to another name.',
        })
      }
      if (!existing.tags?.some((t) => t.key === EXPERIMENT_KIND_TAG)) {
        await this.setExperimentTag(existing.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND).catch(() => undefined)
      }
      return existing
    }
    try {
      const tags = {...Object.fromEntries(toKeyValues(options.tags)?.map((t) => [t.key, t.value]) ?? []), [EXPERIMENT_KIND_TAG]: EXPERIMENT_KIND}
      return await this.getExperiment(await this.createExperiment(name, {...options, tags}))
    } catch (error) {
      if (!isMlflowErrorCode(error, 'RESOURCE_ALREADY_EXISTS')) throw error
      const raced = await this.getExperimentByName(name)
      if (!raced) throw error
      return raced
    }
  }

  // ---- runs ----

  async createRun(options: CreateRunOptions): Promise<Run> {
    const body = {
      experiment_id: options.experimentId,
      run_name: options.runName,
      // the run's "User" column; the mlflow.user tag alone leaves RunInfo.user_id empty
      user_id: options.userId ?? tagValue(options.tags, 'mlflow.user'),
      start_time: Math.round(options.startTime ?? Date.now()),
      tags: toKeyValues(options.tags),
    }
    const res = await this.post('runs/create', body, 'create run', envelopes.run)
    if (res.run.info.artifact_uri) this.artifactRoots.set(res.run.info.run_id, res.run.info.artifact_uri)
    return res.run
  }

  async updateRun(runId: string, update: {status?: RunStatus; endTime?: number; runName?: string}): Promise<RunInfo> {
    const body = {run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName}
    const res = await this.post('runs/update', body, `update run ${runId}`, envelopes.runInfo)
    return res.run_info
  }

  /** Marks a run finished (or failed/killed) with an end time of now unless given. */
  endRun(runId: string, status: RunStatus = 'FINISHED', endTime = Date.now()): Promise<RunInfo> {
    return this.updateRun(runId, {status, endTime})
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.get('runs/get', {run_id: runId}, `get run ${runId}`, envelopes.run)
    if (res.run.info.artifact_uri) this.artifactRoots.set(runId, res.run.info.artifact_uri)
    return res.run
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const body = {
      experiment_ids: options.experimentIds,
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
      run_view_type: options.runViewType,
    }
    const res = await this.post('runs/search', body, 'search runs', envelopes.runsPage)
    return {items: res.runs, nextPageToken: res.next_page_token || undefined}
  }

  /** Every run matching the search, following page tokens, stopping at `limit` runs. */
  async searchAllRuns(options: Omit<SearchRunsOptions, 'pageToken'>, limit = Number.POSITIVE_INFINITY): Promise<Run[]> {
    return collectPages((pageToken) => this.searchRuns({...options, pageToken}), limit)
  }

  /**
   * Logs metrics, params and tags, split into as few calls as the server's limits allow
   * (1000 metrics, 100 params, 100 tags, 1000 entities and 1 MB per call). Returns the number of calls.
   */
  async logBatch(runId: string, batch: BatchInput): Promise<number> {
    const chunks = chunkBatch(batch)
    for (const [index, chunk] of chunks.entries()) {
      const action = chunks.length > 1 ? `log batch ${index + 1}/${chunks.length} to run ${runId}` : `log to run ${runId}`
      await this.post('runs/log-batch', {run_id: runId, ...chunk}, action, envelopes.empty)
    }
    return chunks.length
  }

  setTags(runId: string, tags: KeyValues): Promise<number> {
    return this.logBatch(runId, {tags})
  }

  /** The full history of one metric of a run, all pages. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return collectPages(async (pageToken) => {
      const query = {run_id: runId, metric_key: key, max_results: 25_000, page_token: pageToken}
      const res = await this.get('metrics/get-history', query, `read metric "${key}"`, envelopes.metricsPage)
      return {items: res.metrics, nextPageToken: res.next_page_token || undefined}
    })
  }

  /** Records dataset lineage on a run. `digest` must be at most 36 characters (see `datasetDigest`). */
  async logInputs(runId: string, inputs: readonly DatasetInputOptions[]): Promise<void> {
    const datasets = inputs.map(({dataset, context, tags}) => {
      if (dataset.digest.length > 36) {
        throw new FlareError(`Dataset digest "${dataset.digest}" is longer than MLflow's 36 characters.`, {
          exitCode: ExitCode.badInput,
          hint: 'Use datasetDigest() or cut the hash.',
        })
      }
      const allTags = toKeyValues(tags)
      if (context !== undefined) allTags.push({key: 'mlflow.data.context', value: context})
      return {tags: allTags, dataset}
    })
    await this.post('runs/log-inputs', {run_id: runId, datasets}, `log datasets to run ${runId}`, envelopes.empty)
  }

  // ---- artifacts (through the server's mlflow-artifacts proxy) ----

  /** The run's artifact root URI (mlflow-artifacts:/<exp>/<run>/artifacts), cached per run. */
  async artifactUriOf(root: ArtifactRoot): Promise<string> {
    if (typeof root !== 'string') return root.artifactUri
    if (root.startsWith('mlflow-artifacts:')) return root
    const cached = this.artifactRoots.get(root)
    if (cached) return cached
    const run = await this.getRun(root)
    if (!run.info.artifact_uri) {
      throw new FlareError(`Run ${root} has no artifact location.`, {exitCode: ExitCode.dependency})
    }
    return run.info.artifact_uri
  }

  async uploadArtifact(root: ArtifactRoot, relativePath: string, data: Buffer | Uint8Array | string, contentType?: string): Promise<void> {
    const path = artifactProxyPath(await this.artifactUriOf(root), relativePath)
    await this.http.send({
      method: 'PUT',
      path: artifactProxyUrlPath(path),
      body: data,
      contentType: contentType ?? contentTypeFor(relativePath),
      action: `upload artifact ${joinArtifactPath(relativePath)}`,
    })
  }

  async downloadArtifact(root: ArtifactRoot, relativePath: string): Promise<Buffer> {
    const path = artifactProxyPath(await this.artifactUriOf(root), relativePath)
    const action = `download artifact ${joinArtifactPath(relativePath)}`
    const res = await this.http.send({method: 'GET', path: artifactProxyUrlPath(path), action})
    return res.body
  }

  /**
   * Lists one directory of artifacts. Paths in the answer are relative to the artifact root
   * (`model/MLmodel`), like MLflow's own list_artifacts, not the bare names the proxy returns.
   */
  async listArtifacts(root: ArtifactRoot, relativeDir = ''): Promise<FileInfo[]> {
    const path = artifactProxyPath(await this.artifactUriOf(root), relativeDir)
    const req: HttpRequest = {method: 'GET', path: artifactProxyPrefix, query: {path}, action: 'list artifacts'}
    const res = await this.http.call(req, envelopes.files)
    return res.files.map((file) => ({...file, path: joinArtifactPath(relativeDir, file.path)}))
  }

  /** Every artifact file below `relativeDir`, depth first. */
  async listArtifactsRecursive(root: ArtifactRoot, relativeDir = ''): Promise<FileInfo[]> {
    const out: FileInfo[] = []
    for (const entry of await this.listArtifacts(root, relativeDir)) {
      if (entry.is_dir) out.push(...(await this.listArtifactsRecursive(root, entry.path)))
      else out.push(entry)
    }
    return out
  }
}
