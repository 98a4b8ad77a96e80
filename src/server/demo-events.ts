import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import type {ModelBundle} from '../core/model-bundle.js'
import type {Incident, Results} from '../core/results.js'
import {LiveEngine} from '../core/stream/engine.js'

/** What the live tab receives. */
export type DemoEvent =
  | {type: 'progress'; lines: number; total: number}
  | {type: 'incident'; incident: Incident; chunk: number}
  | {type: 'done'; lines: number; incidents: number}

export type DemoSource = (signal: AbortSignal) => AsyncIterable<DemoEvent>

export interface DemoOptions {
  /** Unused since the live tab runs the live engine (kept for callers that still pass it). */
  detectFile?: (path: string) => Promise<Results>
  sample?: string
  /** Lines fed to the engine at a time (one progress event each). */
  chunkLines?: number
  /** Multiple of the log's own pace the replay plays at (60: an hour of log in a minute). */
  speed?: number
  /** Longest pause between two chunks, ms (a long quiet stretch of the log is skipped over). */
  paceMs?: number
  /** The model the engine scores with; default: the engine trains on the sample's first `trainRecords` records. */
  model?: () => Promise<ModelBundle>
  trainRecords?: number
}

const SAMPLE = fileURLToPath(new URL('../../data/hdfs_sample.log', import.meta.url))

/**
 * The live tab's event source: the bundled HDFS sample replayed through the live engine (the one
 * `flare replay` and `flare collect` run), paced by the log's own timestamps at `speed`×. As
 * `--train-for` does, the engine fits its model on the first stretch of the stream (a few thousand
 * records: tens of ms, so the server's event loop is never held up) and scores the rest. Each incident the engine opens is sent as it opens, in the shape of a
 * batch incident (templates, sample lines) that the tab renders.
 */
export async function* demoEvents(signal: AbortSignal, options: DemoOptions = {}): AsyncIterable<DemoEvent> {
  const sample = options.sample ?? SAMPLE
  const lines = (await readFile(sample, 'utf8')).split('\n').filter((line) => line.length > 0)
  const chunkLines = options.chunkLines ?? 200
  const speed = options.speed ?? 60
  const maxPause = options.paceMs ?? 2000
  const model = options.model ? await options.model() : undefined
  if (signal.aborted) return
  let engine: LiveEngine | undefined
  // The engine's clock is where the replayed log has got to (detection delays in log time).
  engine = new LiveEngine({model, trainFor: {records: options.trainRecords ?? 2000}, inputName: 'hdfs_sample.log', clock: () => engine!.eventTime})
  let incidents = 0
  let chunk = 0
  let shownUpTo = Number.NaN
  const opened = function* (events: ReturnType<LiveEngine['ingest']>): Iterable<DemoEvent> {
    for (const event of events) {
      if (event.kind !== 'opened') continue
      const detail = engine!.incidentDetail(event.incident.id)
      if (!detail) continue
      incidents++
      yield {type: 'incident', incident: {...detail, id: `LIVE-${String(incidents).padStart(3, '0')}`, severity: event.incident.severity}, chunk}
    }
  }
  for (let start = 0; start < lines.length && !signal.aborted; start += chunkLines) {
    chunk++
    const events = engine.ingest(lines.slice(start, start + chunkLines).map((text) => ({text, source: sample, arrivedAt: Number.NaN})))
    // Paced by event time: wait as long as the chunk's stretch of log took, scaled.
    const now = engine.eventTime
    // The training stretch plays at once: nothing can be detected before the model is fitted.
    const scoring = engine.bundle !== undefined
    const wait = scoring && Number.isFinite(now) && Number.isFinite(shownUpTo) ? Math.min(maxPause, Math.max(0, (now - shownUpTo) / speed)) : 0
    if (Number.isFinite(now)) shownUpTo = now
    if (wait > 0) await sleep(wait, undefined, {signal}).catch(() => undefined)
    if (signal.aborted) return
    yield {type: 'progress', lines: Math.min(lines.length, start + chunkLines), total: lines.length}
    yield* opened(events)
  }
  if (signal.aborted) return
  yield* opened(engine.finish())
  yield {type: 'done', lines: lines.length, incidents}
}
