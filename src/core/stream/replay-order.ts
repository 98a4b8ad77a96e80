import {createRegionReader, detectFormat, getFormat, readLineBatches, type IngestWarning, type LogFormat} from '../ingest/index.js'
import {nearYear} from '../ingest/formats/year.js'
import {releaseRegion} from '../ingest/line-splitter.js'

/**
 * A recorded log is often several logs one after another (loghub's Zookeeper_2k.log is three
 * servers' logs, each in time order, the clock jumping back a month between them). Live, those
 * lines would have arrived interleaved by time; played in file order, every line after a jump is
 * far behind the watermark and the windows it belongs to have closed. So a replay finds the
 * file's time-ordered runs and merges them by event time, as `detect` windows them.
 */
export interface ReplayOrder {
  /** Line index (0-based) where each run starts; one run: the file plays in its order. */
  runStarts: number[]
  /**
   * The event time of each run's first line. Year-less times (formats/year.ts) are compared in
   * the scanner's marker year, each line put in the year nearest the time before it, so a log
   * crossing New Year is one run.
   */
  runTimes: number[]
  format: LogFormat | undefined
}

/** More runs than this are played in file order (each run reads the file again). */
export const MAX_RUNS = 64

interface Source {
  input: string
  format?: string
  /** A run starts where event time falls more than this behind the newest time of the run before it. */
  latenessMs: number
  onWarning?: (warning: IngestWarning) => void
  signal?: AbortSignal
}

/**
 * Where the file's time-ordered runs start: a pass over the file that reads the timestamp of one
 * line in SAMPLE_EVERY (parsing every line would double the cost of a replay) and, where time fell
 * back between two samples, of each line between them. A run shorter than that may go unnoticed
 * (its lines then count as late).
 */
export async function findRuns(source: Source): Promise<ReplayOrder> {
  if (source.format === 'hdfs') return findRunsInBytes(source, getFormat('hdfs'))
  let format: LogFormat | undefined = source.format && source.format !== 'auto' ? getFormat(source.format) : undefined
  const runStarts = [0]
  const runTimes = [Number.NaN]
  let newest = Number.NEGATIVE_INFINITY
  let index = 0
  // The lines since the last sample (index - block.length .. index - 1), for finding a run's exact start.
  let block: string[] = []
  const timeOf = (text: string, i: number): number => nearYear(format!.parse(text, i + 1)?.timestamp ?? Number.NaN, newest)
  const scanBlock = (): void => {
    const from = index - block.length
    for (let j = 0; j < block.length; j++) {
      const u = timeOf(block[j], from + j)
      if (!Number.isFinite(u)) continue
      if (u < newest - source.latenessMs) {
        runStarts.push(from + j)
        runTimes.push(u)
        newest = u
      } else if (u > newest) newest = u
    }
  }
  for await (const batch of readLineBatches(source.input, {signal: source.signal})) {
    format ??= detectFormat(batch).format
    for (const text of batch) {
      block.push(text)
      index++
      if (block.length < SAMPLE_EVERY) continue
      const t = timeOf(text, index - 1)
      if (!Number.isFinite(t)) continue
      if (t >= newest - source.latenessMs) {
        if (t > newest) newest = t
      } else scanBlock() // time fell back within the block: each of its lines decides
      block = []
    }
  }
  if (block.length > 0 && format) scanBlock()
  return {runStarts, runTimes, format}
}

/**
 * findRuns() for a known format, on the read buffers: only the lines it dates are decoded (one in
 * SAMPLE_EVERY, or a block where time fell back), not every line of the file.
 */
async function findRunsInBytes(source: Source, format: LogFormat): Promise<ReplayOrder> {
  const runStarts = [0]
  const runTimes = [Number.NaN]
  let newest = Number.NEGATIVE_INFINITY
  let index = 0
  // The lines since the last sample: decoded (from an earlier region) or a range of the current region.
  const texts: Array<string | undefined> = []
  const starts: number[] = []
  const ends: number[] = []
  let buf: Buffer = Buffer.alloc(0)
  const text = (j: number): string => texts[j] ?? buf.utf8Slice(starts[j], ends[j])
  const timeOf = (t: string, i: number): number => nearYear(format.parse(t, i + 1)?.timestamp ?? Number.NaN, newest)
  const scanBlock = (): void => {
    const from = index - texts.length
    for (let j = 0; j < texts.length; j++) {
      const u = timeOf(text(j), from + j)
      if (!Number.isFinite(u)) continue
      if (u < newest - source.latenessMs) {
        runStarts.push(from + j)
        runTimes.push(u)
        newest = u
      } else if (u > newest) newest = u
    }
  }
  const line = (t: string | undefined, a: number, b: number): void => {
    texts.push(t)
    starts.push(a)
    ends.push(b)
    index++
    if (texts.length < SAMPLE_EVERY) return
    const u = timeOf(text(texts.length - 1), index - 1)
    if (!Number.isFinite(u)) return
    if (u >= newest - source.latenessMs) {
      if (u > newest) newest = u
    } else scanBlock()
    texts.length = starts.length = ends.length = 0
  }
  const reader = createRegionReader(source.input, {signal: source.signal})
  const decoded: string[] = []
  for await (const regions of reader.regions()) {
    for (const region of regions) {
      if (region.carried || region.truncated) {
        decoded.length = 0
        reader.splitter.decode(region, decoded)
        for (const t of decoded) line(t, 0, 0)
      } else {
        buf = region.buf
        for (let a = region.start; ; ) {
          let e = buf.indexOf(10, a)
          if (e < 0 || e > region.end) e = region.end
          line(undefined, a, e > a && buf[e - 1] === 13 ? e - 1 : e)
          if (e >= region.end) break
          a = e + 1
        }
        // The block outlives the region's bytes.
        for (let j = 0; j < texts.length; j++) texts[j] ??= buf.utf8Slice(starts[j], ends[j])
      }
      releaseRegion(region)
    }
  }
  if (texts.length > 0) scanBlock()
  return {runStarts, runTimes, format}
}

/** One line in this many is dated by findRuns (all of a block where time fell back). */
const SAMPLE_EVERY = 64

/** One run's lines with the event time each plays at (a line without a timestamp: its predecessor's). */
class Run {
  private readonly batches: AsyncGenerator<string[], void, undefined>
  private batch: string[] = []
  private at = 0
  private index: number
  time = Number.NEGATIVE_INFINITY
  /** The next line carries no timestamp of its own (a record's continuation). */
  continues = false
  done = false

  /** `startTime`: the event time findRuns gave the run's first line (year-less times are read near it). */
  constructor(source: Source, private readonly format: LogFormat, private readonly start: number, private readonly end: number, startTime = Number.NaN) {
    if (Number.isFinite(startTime)) this.time = startTime
    this.batches = readLineBatches(source.input, {signal: source.signal, onWarning: start === 0 ? source.onWarning : undefined})
    this.index = 0
  }

  /** The run's next line, without taking it (undefined at its end). */
  async peek(): Promise<string | undefined> {
    while (!this.done && (this.at >= this.batch.length || this.index < this.start)) {
      if (this.at < this.batch.length) {
        // Lines before the run: skip them a batch at a time.
        const skip = Math.min(this.batch.length - this.at, this.start - this.index)
        this.at += skip
        this.index += skip
        continue
      }
      const next = await this.batches.next()
      if (next.done) this.done = true
      else {
        this.batch = next.value
        this.at = 0
      }
    }
    if (this.done || this.index >= this.end) {
      if (!this.done) {
        this.done = true
        await this.batches.return(undefined)
      }
      return undefined
    }
    const text = this.batch[this.at]
    const parsed = this.format.parse(text, this.index + 1)?.timestamp
    const t = parsed === undefined ? undefined : nearYear(parsed, this.time)
    this.continues = t === undefined || !Number.isFinite(t)
    if (!this.continues) this.time = t!
    return text
  }

  take(): void {
    this.at++
    this.index++
  }
}

/** The file's lines in batches, its runs merged by event time (ties: the earlier run first). */
export async function* timeOrderedBatches(source: Source, order: ReplayOrder, batchSize = 4096): AsyncGenerator<string[], void, undefined> {
  const {runStarts, runTimes, format} = order
  if (runStarts.length < 2 || !format) {
    yield* readLineBatches(source.input, {signal: source.signal, onWarning: source.onWarning})
    return
  }
  const runs = runStarts.map((start, k) => new Run(source, format, start, runStarts[k + 1] ?? Number.POSITIVE_INFINITY, runTimes[k]))
  let out: string[] = []
  let last: Run | undefined
  while (true) {
    let best: Run | undefined
    let bestText: string | undefined
    // A record's continuation lines follow it before any other run's line.
    const next = last && !last.done ? await last.peek() : undefined
    if (next !== undefined && last!.continues) {
      best = last
      bestText = next
    } else for (const run of runs) {
      if (run.done) continue
      const text = await run.peek()
      if (text === undefined) continue
      if (best === undefined || run.time < best.time) {
        best = run
        bestText = text
      }
    }
    if (best === undefined) break
    out.push(bestText!)
    best.take()
    last = best
    if (out.length >= batchSize) {
      yield out
      out = []
    }
  }
  if (out.length > 0) yield out
}
