import {detectFormat, getFormat, type IngestWarning, type LogFormat} from '../ingest/index.js'
import {createRegionReader} from '../ingest/reader.js'
import {releaseRegion, type ByteRegion} from '../ingest/line-splitter.js'
import {HdfsFastPath} from '../mining/fast-path.js'
import {findRuns, MAX_RUNS, timeOrderedBatches} from './replay-order.js'
import type {LiveLine} from './contracts.js'

/** How fast a recorded log is played back. */
export type Pace = {kind: 'max'} | {kind: 'speed'; factor: number} | {kind: 'rate'; perSecond: number}

export interface ReplayClock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const realClock: ReplayClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

export interface ReplayOptions {
  input: string
  pace: Pace
  /** Format for reading timestamps when pacing by event time (default: detected from the first lines). */
  format?: string
  /** The `source` of every line. */
  source?: string
  clock?: ReplayClock
  /** Lines handed over at once at most (fewer when pacing sleeps between them). */
  chunk?: number
  onWarning?: (warning: IngestWarning) => void
  /** Stops the replay (Ctrl-C): what was delivered stands, and the result says it was interrupted. */
  signal?: AbortSignal
  /** Rewrites the stream as it is replayed (anomaly injection): each line → the lines to play. */
  inject?: {apply(text: string, out: string[]): void; finish(out: string[]): void}
  /** A line this far behind the newest event time starts another log of the file (merged by time; default 30s). */
  latenessMs?: number
  /** Told when the file holds several logs one after another (merged by event time). */
  onNote?: (note: string) => void
  /** Receives the lines; awaited, so a slow receiver slows the replay instead of piling up lines. */
  deliver: (lines: LiveLine[]) => void | Promise<void>
  /**
   * Receives regions of complete lines as bytes instead, when the replay can hand them so (an HDFS
   * log played as fast as possible, in file order, nothing injected): the lines it took, or
   * undefined to have the region's lines delivered as lines. See LiveEngine.ingestBytes.
   */
  deliverBytes?: (region: ByteRegion, nextStartsRecord: boolean) => Promise<number | undefined>
  /**
   * With deliverBytes: each region is shown here first, up to `ahead` regions before its turn
   * (a worker pool mines it meanwhile: live-pool.ts); `alone` when every region before it was
   * delivered. Regions still go to deliverBytes one at a time, in file order.
   */
  sendBytes?: {ahead: number; send: (region: ByteRegion, nextStartsRecord: boolean, alone: boolean) => Promise<void>}
  /** Bytes read at a time for deliverBytes (a region is at most this; default the reader's 1 MB). */
  readBytes?: number
}

export interface ReplayResult {
  /** Lines delivered (all of the log's, unless interrupted). */
  lines: number
  /** Stopped by options.signal before the end of the log. */
  interrupted: boolean
  /** Wall time the replay took, ms (the clock's). */
  elapsedMs: number
}

/**
 * Plays a recorded log back as a live stream: as fast as possible, at a multiple of its original
 * pace (gaps between event timestamps scaled), or at a fixed line rate. The lines carry no arrival
 * time of their own (NaN): the engine dates lines without a timestamp by the record before them,
 * so what it detects does not depend on the speed of the replay.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplayResult> {
  const clock = options.clock ?? realClock
  const progress = {lines: 0}
  const started = clock.now()
  try {
    await play(options, clock, started, progress)
  } catch (error) {
    // (the reader throws the signal's reason: a stop, not a failure)
    if (!options.signal?.aborted) throw error
  }
  return {lines: progress.lines, interrupted: options.signal?.aborted === true, elapsedMs: clock.now() - started}
}

async function play(options: ReplayOptions, clock: ReplayClock, started: number, progress: {lines: number}): Promise<void> {
  const source = options.source ?? options.input
  const chunk = options.chunk ?? 4096
  const signal = options.signal
  let format: LogFormat | undefined = options.format && options.format !== 'auto' ? getFormat(options.format) : undefined
  let firstTime = Number.NaN
  let lastTime = Number.NaN
  const pace = options.pace

  /** Wall offset (ms from the start) at which a line is due. */
  const dueAt = (text: string, index: number): number => {
    if (pace.kind === 'rate') return (index / pace.perSecond) * 1000
    if (pace.kind === 'max') return 0
    const t = format?.parse(text, index + 1)?.timestamp
    if (t !== undefined && Number.isFinite(t)) {
      if (Number.isNaN(firstTime)) firstTime = t
      // A clock that steps back replays at once; gaps are measured from the newest time.
      if (Number.isNaN(lastTime) || t > lastTime) lastTime = t
    }
    return Number.isNaN(firstTime) ? 0 : (lastTime - firstTime) / pace.factor
  }

  const file = {input: options.input, format: options.format, latenessMs: options.latenessMs ?? 30_000, onWarning: options.onWarning, signal: options.signal}
  const order = await findRuns(file)
  if (order.runStarts.length > MAX_RUNS) {
    options.onNote?.(`${options.input}: event time jumps back ${order.runStarts.length - 1} times; played in file order (lines behind the watermark count as late)`)
    order.runStarts = [0]
  } else if (order.runStarts.length > 1) options.onNote?.(`${options.input} holds ${order.runStarts.length} logs one after another (event time jumps back at lines ${order.runStarts.slice(1).map((i) => i + 1).join(', ')}): merged by event time, as they would have arrived live`)
  format ??= order.format
  // Counted once delivered: an interrupted replay says how far it got.
  const deliver = async (lines: LiveLine[]): Promise<void> => {
    signal?.throwIfAborted()
    await options.deliver(lines)
    progress.lines += lines.length
  }
  if (options.deliverBytes && pace.kind === 'max' && !options.inject && order.runStarts.length === 1 && format?.name === 'hdfs') {
    await replayRegions(options, options.deliverBytes, source, chunk, progress)
    return
  }
  for await (const batch of timeOrderedBatches(file, order)) {
    signal?.throwIfAborted()
    if (pace.kind === 'speed' && !format) format = detectFormat(batch).format
    let out: LiveLine[] = []
    let texts: readonly string[] = batch
    if (options.inject) {
      const rewritten: string[] = []
      for (const text of batch) options.inject.apply(text, rewritten)
      texts = rewritten
    }
    for (const text of texts) {
      const due = dueAt(text, progress.lines + out.length)
      const wait = started + due - clock.now()
      if (wait >= 1 || out.length >= chunk) {
        if (out.length > 0) await deliver(out)
        out = []
        if (wait >= 1) await sleep(clock, wait, signal)
      }
      out.push({text, source, arrivedAt: Number.NaN})
    }
    if (out.length > 0) await deliver(out)
  }
  if (options.inject) {
    const rest: string[] = []
    options.inject.finish(rest)
    if (rest.length > 0) await deliver(rest.map((text) => ({text, source, arrivedAt: Number.NaN})))
  }
}

/** A pause that a stop cuts short (a slow --speed can wait minutes between lines). */
async function sleep(clock: ReplayClock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted()
  if (!signal) return clock.sleep(ms)
  let onAbort!: () => void
  const aborted = new Promise<void>((resolve) => (onAbort = resolve))
  signal.addEventListener('abort', onAbort, {once: true})
  try {
    await Promise.race([clock.sleep(ms), aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  signal.throwIfAborted()
}

/**
 * A replay as fast as possible in file order, by regions of the read buffers: each goes to
 * `deliverBytes`, or, when that declines it, as lines to `deliver`. A region is held until the
 * next one shows whether it opens with a new record (else its last record may continue there).
 */
async function replayRegions(options: ReplayOptions, deliverBytes: NonNullable<ReplayOptions['deliverBytes']>, source: string, chunk: number, progress: {lines: number}): Promise<void> {
  const reader = createRegionReader(options.input, {onWarning: options.onWarning, signal: options.signal, chunkBytes: options.readBytes})
  const check = new HdfsFastPath(reader.splitter.maxLineBytes)
  const texts: string[] = []
  const play = async (region: ByteRegion, nextStartsRecord: boolean): Promise<void> => {
    try {
      options.signal?.throwIfAborted()
      const taken = region.truncated || region.carried ? undefined : await deliverBytes(region, nextStartsRecord)
      if (taken !== undefined) {
        reader.splitter.countLines(taken)
        progress.lines += taken
        return
      }
      texts.length = 0
      reader.splitter.decode(region, texts)
      for (let i = 0; i < texts.length; i += chunk) {
        options.signal?.throwIfAborted()
        const lines = texts.slice(i, i + chunk).map((text) => ({text, source, arrivedAt: Number.NaN}))
        await options.deliver(lines)
        progress.lines += lines.length
      }
    } finally {
      releaseRegion(region)
    }
  }
  // Regions sent ahead (options.sendBytes), played in order.
  const ahead = options.sendBytes
  const queue: Array<{region: ByteRegion; next: boolean}> = []
  const enqueue = async (region: ByteRegion, next: boolean): Promise<void> => {
    if (!ahead) return play(region, next)
    await ahead.send(region, next, queue.length === 0)
    queue.push({region, next})
    while (queue.length > ahead.ahead) {
      const {region, next} = queue.shift()!
      await play(region, next)
    }
  }
  let held: ByteRegion | undefined
  try {
    for await (const regions of reader.regions()) {
      for (const region of regions) {
        if (held) await enqueue(held, check.startsWithRecord(region.buf, region.start, region.end))
        held = region
      }
    }
    if (held) await enqueue(held, true)
    for (let job = queue.shift(); job; job = queue.shift()) await play(job.region, job.next)
  } finally {
    // Stopped early (an abort, an error): what was read ahead is given back.
    for (const job of queue.splice(0)) releaseRegion(job.region)
  }
}
