import {rmSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {summarizeIncidents, type ExplainProvider, type SummariesDocument} from '../core/explain/index.js'
import {pastIncidentContext, type HistoryStore, type RecordedRun} from '../core/history/index.js'
import type {Results} from '../core/results.js'
import type {DetectJob, DetectOutcome} from './detect-job.js'
import type {ServerMetrics} from './metrics.js'
import type {DetectPool} from './pool.js'
import type {MlflowStatus, ServeTracking} from './tracking.js'
import type * as z from '../core/zod.js'
import type {DetectOptions, DetectResponse} from './schemas.js'

export type DetectResponseBody = z.infer<typeof DetectResponse>

/** One detection as the routes handle it: results with the request's warnings, and MLflow values when tracked. */
export interface Detected extends DetectOutcome {
  results: Results & {warnings: string[]}
}

/** The files a request's work writes in its temp folder (longest first: upload.log is a prefix of upload.log.gz). */
export const TEMP_FILE_NAMES = ['upload.log.gz', 'upload.log', 'request.log'] as const

/** Temp folders of requests in progress, so a shutdown that cannot wait for them still removes them. */
const liveTempDirs = new Set<string>()

/** Removes every request's temp folder now, synchronously: for the last moments of a process. */
export function removeTempDirsSync(): void {
  for (const dir of liveTempDirs) {
    rmSync(dir, {recursive: true, force: true})
    liveTempDirs.delete(dir)
  }
}

/** A temp folder for one request's spooled input; removed whatever happens. */
export async function withTempDir<T>(work: (dir: string) => Promise<T>, shownAs = 'log_text'): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'flare-serve-'))
  liveTempDirs.add(dir)
  try {
    return await work(dir)
  } catch (error) {
    // Messages name the file they are about; the client knows its upload, not the server's temp path.
    if (error instanceof Error) for (const file of TEMP_FILE_NAMES) error.message = error.message.split(join(dir, file)).join(shownAs)
    throw error
  } finally {
    await rm(dir, {recursive: true, force: true})
    liveTempDirs.delete(dir)
  }
}

/** Everything one analysis touches: the pool, the incident memory, the LLM provider, the metrics. */
export class Analysis {
  constructor(
    private readonly deps: {pool: DetectPool; history?: HistoryStore; provider: ExplainProvider; metrics: ServerMetrics; modelPath?: string; tracking?: ServeTracking},
  ) {}

  jobFor(input: string, inputName: string, options: z.infer<typeof DetectOptions>, warnings: string[]): DetectJob {
    const useModel = options.use_registry ?? Boolean(this.deps.modelPath)
    if (options.use_registry && !this.deps.modelPath) warnings.push('use_registry: this server has no model (start it with flare serve --model …); the detector was fitted on this log')
    return {
      input,
      inputName,
      format: options.format,
      sessionKey: options.session_key,
      detector: options.detector,
      contamination: options.contamination,
      modelPath: useModel ? this.deps.modelPath : undefined,
      track: Boolean(this.deps.tracking),
    }
  }

  async detectText(text: string, options: z.infer<typeof DetectOptions>): Promise<Detected> {
    return withTempDir(async (dir) => {
      const path = join(dir, TEMP_FILE_NAMES[2])
      await writeFile(path, text)
      const warnings: string[] = []
      const outcome = await this.detectFile(this.jobFor(path, '<request>', options, warnings))
      return {...outcome, results: {...outcome.results, warnings}}
    })
  }

  async detectFile(job: DetectJob): Promise<DetectOutcome> {
    this.deps.metrics.queueDepth.inc()
    try {
      const outcome = await this.deps.pool.run(job)
      this.deps.metrics.countResults(outcome.results)
      return outcome
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 503) this.deps.metrics.rejected.inc()
      throw error
    } finally {
      this.deps.metrics.queueDepth.dec()
    }
  }

  async summarize(results: Results, options: {runEval?: boolean; incidentIds?: string[]} = {}): Promise<SummariesDocument> {
    const document = await summarizeIncidents(results, {provider: this.deps.provider, eval: options.runEval ?? false, incidentIds: options.incidentIds, pastIncidents: this.pastIncidents(results)})
    this.deps.metrics.countSummaries(document)
    return document
  }

  /** Records the run; a failing database costs the record, never the results (a warning says so). */
  remember(results: Results & {warnings: string[]}, origin: string, summaries?: SummariesDocument): Omit<DetectResponseBody, 'mlflow'> {
    let recorded: RecordedRun | undefined
    if (this.deps.history) {
      try {
        recorded = this.deps.history.recordRun(results, {origin, summaries})
      } catch (error) {
        results.warnings.push(`not recorded in the incident memory: ${(error as Error).message}`)
      }
    }
    const keys: Record<string, string> = {}
    const similar: DetectResponseBody['similar'] = {}
    for (const [id, entry] of Object.entries(recorded?.incidents ?? {})) {
      keys[id] = entry.key
      similar[id] = entry.similar
    }
    return {...results, run_id: recorded?.run_id ?? null, incident_keys: keys, similar}
  }

  /** Logs the analysis to MLflow when the server tracks (bounded wait); says what became of it. */
  async track(endpoint: string, detected: Detected, historyRunId: number | null, summaries?: SummariesDocument): Promise<MlflowStatus> {
    const {tracking} = this.deps
    if (!tracking || !detected.values) return {status: 'off', run_id: null, url: null, error: null}
    return tracking.track({endpoint, results: detected.results, values: detected.values, historyRunId, summaries})
  }

  /** "seen before" context for the prompts, from the incident memory. */
  private pastIncidents(results: Results): Record<string, string[]> | undefined {
    if (!this.deps.history) return undefined
    try {
      return pastIncidentContext(this.deps.history, results)
    } catch {
      return undefined // context only: an unreadable memory must not stop the summaries
    }
  }
}
