import {readFile, writeFile, rename} from 'node:fs/promises'
import {ExitCode, FlareError} from '../errors.js'
import type {LogRecord} from '../ingest/record.js'
import {describeDetection, readRecords, type IngestWarning} from '../ingest/index.js'
import {TemplateMiner, configForFormat, type AddResult, type TemplateMinerOptions} from '../templates/index.js'

/**
 * Stage one of every command: stream records out of the input and give each a stable template id.
 * Everything after (CSV rows, sessions) happens in the `visit` callback, so nothing here holds the
 * input in memory.
 */
export interface MineOptions {
  input: string
  format?: string
  /** Template state to start from (ids stay stable) — a plain JSON file. */
  statePath?: string
  /** A miner to continue (a loaded model's); wins over statePath. */
  miner?: TemplateMiner
  onWarning?: (warning: IngestWarning) => void
  onProgress?: (progress: MineProgress) => void
  signal?: AbortSignal
  /** Awaited after each batch of records: where a consumer applies backpressure (a slow pipe). */
  afterBatch?: () => Promise<void>
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
  /** Template index (dense, in order of first sight this run) → template id and what was seen. */
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
}

/** Severity rank used to remember the worst level per template. */
const LEVEL_RANK: Record<string, number> = {TRACE: 0, DEBUG: 1, INFO: 2, NOTICE: 3, WARN: 4, ERROR: 5, CRITICAL: 6, ALERT: 7, EMERGENCY: 8, FATAL: 8}

/** The miner saved at `path` (of class `kind`), or a fresh one for `format` when there is no file. */
export async function loadTemplateState<M extends TemplateMiner = TemplateMiner>(path: string, format?: string, kind: (new (options?: TemplateMinerOptions) => M) & {fromJSON: typeof TemplateMiner.fromJSON} = TemplateMiner as never): Promise<M> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new kind(configForFormat(format))
    throw new FlareError(`cannot read template state ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput})
  }
  // The validator (zod) loads only when there is a state file to check.
  const {parseTemplateState} = await import('../templates/state-schema.js')
  try {
    return kind.fromJSON(parseTemplateState(JSON.parse(text)))
  } catch (error) {
    throw new FlareError(`template state ${path} is not a valid Flare state file: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'delete it to start fresh, or point --state at another file'})
  }
}

/** Written next to the target then renamed, so an interrupted run never leaves half a file. */
export async function saveTemplateState(path: string, miner: TemplateMiner): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(miner.toJSON()))
  await rename(tmp, path)
}

export async function mine(options: MineOptions, visit?: (record: LogRecord, templateIndex: number, mined: AddResult, miner: TemplateMiner) => void): Promise<MineResult> {
  const started = performance.now()
  const source = readRecords(options.input, {format: options.format ?? 'auto', onWarning: options.onWarning, signal: options.signal})
  let miner = options.miner
  const indexOf = new Map<string, number>()
  const templates: TemplateMeta[] = []
  let records = 0
  let lastProgress = 0
  for await (const batch of source.records) {
    if (!miner) {
      // The format is known once the first batch is out; its masking defaults apply from here on.
      miner = options.statePath ? await loadTemplateState(options.statePath, source.detection?.format.name) : new TemplateMiner(configForFormat(source.detection?.format.name))
    }
    for (const record of batch) {
      const added = miner.add(record.content)
      const templateId = added.templateId
      let index = indexOf.get(templateId)
      let meta: TemplateMeta
      if (index === undefined) {
        index = templates.length
        indexOf.set(templateId, index)
        meta = {id: templateId, level: record.level, component: record.component, count: 0}
        templates.push(meta)
      } else {
        meta = templates[index]
        if (record.level !== undefined && (meta.level === undefined || (LEVEL_RANK[record.level] ?? 2) > (LEVEL_RANK[meta.level] ?? 2))) meta.level = record.level
      }
      meta.count++
      records++
      visit?.(record, index, added, miner)
    }
    if (options.afterBatch) await options.afterBatch()
    if (options.onProgress && records - lastProgress >= 50_000) {
      lastProgress = records
      options.onProgress({lines: source.stats.reader.lines, bytesRead: source.stats.reader.bytesRead, totalBytes: source.stats.reader.totalBytes})
    }
  }
  miner ??= options.statePath ? await loadTemplateState(options.statePath, source.detection?.format.name) : new TemplateMiner(configForFormat(source.detection?.format.name))
  const elapsedMs = performance.now() - started
  const lines = source.stats.reader.lines
  return {
    miner,
    templates,
    format: source.detection?.format.name ?? 'none',
    formatReason: source.detection ? describeDetection(source.detection) : 'empty input',
    lines,
    records,
    skipped: source.stats.assembler.emptyLines,
    joined: source.stats.assembler.joinedLines,
    truncated: source.stats.reader.truncatedLines,
    invalidUtf8: source.stats.reader.invalidUtf8Lines,
    elapsedMs,
    linesPerSecond: elapsedMs > 0 ? (lines / elapsedMs) * 1000 : 0,
  }
}
