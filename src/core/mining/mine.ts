/**
 * Stage one of every command: stream records out of the input and give each a stable template id.
 * Everything after (sessions for `flare detect`, CSV rows for `flare parse`) happens in a visitor,
 * so nothing here holds the input in memory.
 *
 * There is one loop for every consumer (MiningRun). A visitor that takes CSV rows (`csv`, flare
 * parse) or line events (`events`, flare detect) also lets plain HDFS regions skip records
 * altogether: the byte fast path (fast-path.ts, fast-events.ts) and the worker threads
 * (worker-pool.ts) write their rows, or hand their events, straight to it. Both paths feed one miner,
 * in input order, so the rows and template ids do not depend on which path a line took.
 */
import type {OpenedInput} from '../ingest/input.js'
import {stat} from 'node:fs/promises'
import type {LogRecord} from '../ingest/record.js'
import {type IngestWarning} from '../ingest/index.js'
import {TemplateMiner, type AddResult, type TemplateMinerOptions} from '../templates/index.js'
import type {ByteOut} from './fast-path.js'
import type {LineBatch} from './line-batch.js'
import {MiningRun} from './run.js'

export interface MineOptions {
  /** A path, `-`, or an input opened once for the whole run (detect: see ingest/input.ts). */
  input: string | OpenedInput
  format?: string
  /** Template state to start from (ids stay stable) — a plain JSON file. */
  statePath?: string
  /** A miner to continue (a loaded model's); wins over statePath. */
  miner?: TemplateMiner
  /** Parser settings (a config file's) on top of the format's defaults, for a new miner or a loaded state. */
  parser?: TemplateMinerOptions
  onWarning?: (warning: IngestWarning) => void
  onProgress?: (progress: MineProgress) => void
  signal?: AbortSignal
  /** Epoch ms year-less timestamps are dated against (ingest/formats/year.ts). Default: now. */
  now?: number
  /** Awaited after each region of records: where a consumer applies backpressure (a slow pipe). */
  afterBatch?: () => Promise<void>
  /** Threads for the HDFS fast path: 0 or undefined = one per core, 1 = none. */
  jobs?: number
  /**
   * false: every line goes through the record assembler and the string miner (the reference the
   * byte-level fast path is tested against; also an escape hatch). Default true.
   */
  fast?: boolean
}

export interface MineProgress {
  lines: number
  bytesRead: number
  totalBytes?: number
}

export interface TemplateMeta {
  id: string
  /** Most severe level seen on this template's lines. */
  level?: string
  component?: string
  count: number
}

export interface MineResult {
  miner: TemplateMiner
  /** Template index (dense, in order of first sight this run) → template id and what was seen (records that took the string path). */
  templates: TemplateMeta[]
  format: string
  formatReason: string
  lines: number
  records: number
  /** Empty or blank lines that produced no record. */
  skipped: number
  /** Continuation lines joined to the record before them (stack traces). */
  joined: number
  truncated: number
  invalidUtf8: number
  elapsedMs: number
  linesPerSecond: number
  /** Worker threads that took part (0: the main thread did everything). */
  threads: number
}

/** Called with every record that went through the record assembler and the string miner. */
export type RecordVisit = (record: LogRecord, templateIndex: number, mined: AddResult, miner: TemplateMiner) => void

/** CSV rows: the fast path and the workers write theirs here, in input order with the visitor's. */
export interface CsvRows {
  /** The main thread's rows, buffered; the run hands full buffers to `stream`. */
  sink: ByteOut
  stream: NodeJS.WritableStream
}

export interface MineVisitor {
  record?: RecordVisit
  /**
   * Given: plain HDFS regions may take the byte fast path and the workers, and their records come
   * here as batches of line events instead of through `record` (in input order with its records).
   */
  events?: (batch: LineBatch) => void
  /**
   * Given with `events`: once it takes them, regions may come here as partial sessions
   * (sessions/partials.ts: what their lines add to each session, summed up by a worker thread)
   * instead of as line events; `index` maps their cluster ordinals to template indices.
   */
  partials?: {readonly takesPartials: boolean; addPartials(p: Float64Array, bytes: Buffer, firstLineId: number, index: Int32Array): void}
  /** Given: plain HDFS regions may take the byte fast path and the workers (see the module comment). */
  csv?: CsvRows
}

/** Size of a regular input file, or undefined (stdin, pipes, missing files: the reader reports those). */
async function inputSize(input: string | OpenedInput): Promise<number | undefined> {
  if (typeof input !== 'string') return input.size
  if (input === '-') return undefined
  try {
    const info = await stat(input)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}

export async function mine(options: MineOptions, visit?: RecordVisit | MineVisitor): Promise<MineResult> {
  const visitor: MineVisitor = typeof visit === 'function' ? {record: visit} : (visit ?? {})
  const inputBytes = visitor.csv || visitor.events ? await inputSize(options.input) : undefined
  return new MiningRun(options, visitor, inputBytes).run()
}
