import {execFile} from 'node:child_process'
import {open, mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir, userInfo} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {FlareError} from '../core/errors.js'
import {trackTemporary} from '../core/io/temp-files.js'
import {saveBundle, type ModelBundle} from '../core/model-bundle.js'
import {FLARE_VERSION} from '../core/version.js'
import type {LabelList} from '../core/evaluate/metrics.js'
import type {MetricInput} from './batch.js'
import {renderConfusionMatrix, renderScoreHistogram} from './charts.js'
import {datasetDigest, localFileDataset} from './datasets.js'
import {MlflowApiError} from './http.js'
import type {MlflowClient} from './mlflow-client.js'
import {logModelFolder} from './model-folder.js'
import type {Dataset} from './types.js'

/** One thing that did not reach MLflow, and why. */
export interface LoggingFailure {
  what: string
  reason: string
  /** What to do about it, from the error (e.g. how to start MLflow). */
  hint?: string
}

/**
 * Logs to MLflow without ever throwing mid-run: each step runs through `attempt`, and a step that
 * fails is recorded instead, so the caller finishes its own work (results on disk) and reports
 * what was not logged once at the end. After a failure that says the server is down or broken
 * (unreachable, 5xx), later steps are not even tried: each would only wait out its retries.
 */
export class Tracker {
  readonly failures: LoggingFailure[] = []
  private brokenBecause?: string
  private halted = false

  constructor(readonly client: MlflowClient) {}

  get trackingUri(): string {
    return this.client.trackingUri
  }

  /** Runs one logging step; its result, or undefined when it failed (or was skipped after an outage). */
  async attempt<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    if (this.brokenBecause !== undefined) {
      this.failures.push({what, reason: this.brokenBecause})
      return undefined
    }
    try {
      return await step()
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const hint = error instanceof FlareError ? error.hint : undefined
      this.failures.push({what, reason, hint})
      if (serverIsDown(error)) this.brokenBecause = reason
      return undefined
    }
  }

  /**
   * No later step is tried (each is recorded as not logged, for `reason`): an interrupted run ends
   * its runs as KILLED itself, and a step still to come (a run's end as FINISHED) must not undo it.
   */
  stop(reason: string): void {
    this.brokenBecause ??= reason
    this.halted = true
  }

  /** `stop` was called: the caller ends the runs itself. */
  get stopped(): boolean {
    return this.halted
  }

  /** Records a step that could not run because an earlier one failed. */
  skipped(what: string, because: string): void {
    this.failures.push({what, reason: because})
  }

  get complete(): boolean {
    return this.failures.length === 0
  }

  /**
   * The one end-of-run report: what was not logged, grouped by reason (an outage makes every
   * later step fail for the same reason; saying it once is enough).
   */
  report(): string | undefined {
    if (this.failures.length === 0) return undefined
    const byReason = new Map<string, string[]>()
    for (const f of this.failures) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), f.what])
    const parts = [...byReason].map(([reason, whats]) => `not logged: ${whats.join(', ')} (${reason.replace(/\.$/, '')})`)
    const hints = [...new Set(this.failures.map((f) => f.hint).filter(Boolean))]
    return `MLflow at ${this.trackingUri}: ${parts.join('; ')}.${hints.length ? ` ${hints.join(' ')}` : ''}`
  }
}

/** A network failure or a 5xx: the server is down or broken, so later calls would fail the same way. */
export function serverIsDown(error: unknown): boolean {
  return error instanceof MlflowApiError && (error.status === undefined || error.status >= 500)
}

/** The MLflow UI page of a run. */
/**
 * The run's page. MLflow 3.17's UI opens in its GenAI workspace (traces, "evaluation runs") whatever
 * the experiment's kind tag says; the workflowType parameter opens the model-training view, where
 * the run's models, registered versions and creator show (checked in the UI in headless Chromium).
 */
export function runUrl(trackingUri: string, experimentId: string, runId: string): string {
  return `${trackingUri}/#/experiments/${experimentId}/runs/${runId}?workflowType=machine_learning`
}

const execFileAsync = promisify(execFile)

/** HEAD of the git repository holding `dir`, or undefined outside one (or without git). */
export async function gitCommit(dir: string): Promise<string | undefined> {
  try {
    const {stdout} = await execFileAsync('git', ['rev-parse', 'HEAD'], {cwd: dir, timeout: 2000, windowsHide: true})
    const sha = stdout.trim()
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined
  } catch {
    return undefined
  }
}

function userName(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}

/**
 * Tags every Flare run carries, under MLflow's reserved names where one exists so the UI shows
 * them in its usual places (user, source, git commit, run name).
 */
export async function standardTags(options: {command: string; runName: string; input: string; kind: string}): Promise<Record<string, string>> {
  const tags: Record<string, string> = {
    'mlflow.runName': options.runName,
    'mlflow.user': userName(),
    'mlflow.source.name': options.command,
    'mlflow.source.type': 'LOCAL',
    'flare.version': FLARE_VERSION,
    'node.version': process.version,
    'flare.run_kind': options.kind,
    dataset: datasetName(options.input),
  }
  const dirs = options.input === '-' ? [process.cwd()] : [path.dirname(path.resolve(options.input)), process.cwd()]
  for (const dir of dirs) {
    const commit = await gitCommit(dir)
    if (commit) {
      tags['mlflow.source.git.commit'] = commit
      break
    }
  }
  return tags
}

export function datasetName(input: string): string {
  return input === '-' ? 'stdin' : path.basename(input)
}

/** How much of a file the dataset digest reads: enough to tell inputs apart, cheap on huge logs. */
export const DIGEST_HEAD_BYTES = 8 * 1024 * 1024

/** A digest (16 hex chars, within MLflow's 36) of the file's first 8 MiB and its size. */
export async function fileDigest(file: string): Promise<string> {
  const {size} = await stat(file)
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(Math.min(size, DIGEST_HEAD_BYTES))
    await handle.read(head, 0, head.length, 0)
    return datasetDigest(Buffer.concat([head, Buffer.from(`\0size=${size}`)]))
  } finally {
    await handle.close()
  }
}

/**
 * The dataset record of a run's input: the file, its digest, the feature columns as schema, and a
 * profile of rows (sessions) and columns (features). Stdin has no file left to hash once read, so
 * its digest hashes what was seen of it (`fallbackContent`).
 */
export async function inputDataset(options: {input: string; columns: readonly string[]; sessions: number; fallbackContent: string}): Promise<Dataset> {
  const isFile = options.input !== '-'
  const digest = isFile ? await fileDigest(options.input).catch(() => datasetDigest(options.fallbackContent)) : datasetDigest(options.fallbackContent)
  const dataset = localFileDataset({
    filePath: isFile ? options.input : 'stdin',
    name: datasetName(options.input),
    digest,
    columns: options.columns,
    profile: {num_rows: options.sessions, num_features: options.columns.length},
  })
  if (!isFile) dataset.source = JSON.stringify({uri: 'stdin'})
  return dataset
}

/** MLflow params are strings; null (a default left to the detector) reads as "None" like Python's. */
export function paramString(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Only finite numbers: MLflow rejects NaN from some clients and the UI cannot chart it. */
export function finiteMetrics(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)))
}

/** The confusion-matrix PNG of a labelled run. */
export function confusionPng(counts: {tp: number; fp: number; fn: number; tn: number}, subtitle?: string): Buffer {
  return renderConfusionMatrix(counts, {title: 'Confusion matrix', subtitle})
}

/** The score histogram PNG: labelled runs split by the true class, unlabelled ones by the prediction. */
export function histogramPng(input: {scores: ArrayLike<number>; predicted: ArrayLike<number>; labels?: LabelList; threshold: number}): Buffer {
  const normal: number[] = []
  const anomalous: number[] = []
  for (let i = 0; i < input.scores.length; i++) {
    const positive = input.labels ? input.labels.at(i) : Boolean(input.predicted[i])
    if (positive === undefined) continue
    ;(positive ? anomalous : normal).push(input.scores[i]!)
  }
  const title = input.labels ? 'Session scores by label' : 'Session scores by prediction'
  return renderScoreHistogram({normal, anomalous, threshold: input.threshold}, {title})
}

/**
 * Logs a fitted bundle as an MLflow model folder (`model/MLmodel` with the flare flavor and a
 * signature naming the feature columns, the bundle under `model/bundle/`). Returns its source URI.
 */
export async function logBundleAsModel(client: MlflowClient, runId: string, bundle: ModelBundle): Promise<{source: string; modelId?: string}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flare-bundle-'))
  // removed on every exit path, an interrupt while uploading included
  const forget = trackTemporary(dir)
  try {
    await saveBundle(dir, bundle)
    const {manifest} = bundle
    const logged = await logModelFolder(client, runId, {
      bundleDir: dir,
      detector: manifest.detector,
      flareVersion: FLARE_VERSION,
      featureColumns: manifest.feature_columns,
      flavorExtras: {
        threshold: manifest.threshold,
        format: manifest.format,
        session_key: manifest.session_key,
        features: manifest.features.sets.join(','),
        transform: manifest.features.transform,
      },
    })
    return {source: logged.source, modelId: logged.modelId}
  } finally {
    await rm(dir, {recursive: true, force: true})
    forget()
  }
}

/**
 * Registers a logged model folder as a new version of `name` (created if missing) and, when
 * asked, points `alias` at it. Waits briefly for the version to leave PENDING_REGISTRATION.
 */
export async function registerModelVersion(
  client: MlflowClient,
  options: {name: string; source: string; runId: string; modelId?: string; alias?: string; description?: string; tags?: Record<string, string>},
): Promise<{version: string; alias?: string}> {
  await client.getOrCreateRegisteredModel(options.name, {description: 'Flare log anomaly detector (model bundle in the flare flavor)'})
  // MLflow 3 registers a LoggedModel as models:/<model_id>: the version page links to the model
  const source = options.modelId ? `models:/${options.modelId}` : options.source
  let version = await client.createModelVersion(options.name, source, options.runId, {description: options.description, tags: options.tags, modelId: options.modelId})
  for (let i = 0; i < 20 && version.status === 'PENDING_REGISTRATION'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    version = await client.getModelVersion(options.name, version.version)
  }
  if (options.alias) await client.setAlias(options.name, options.alias, version.version)
  return {version: version.version, alias: options.alias}
}

/** A metrics object as log-batch entries (step 0, one timestamp). */
export function metricList(metrics: Record<string, number>, step = 0): MetricInput[] {
  const timestamp = Date.now()
  return Object.entries(finiteMetrics(metrics)).map(([key, value]) => ({key, value, step, timestamp}))
}
