import {createReadStream} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import {Readable} from 'node:stream'
import {ExitCode, FlareError} from '../errors.js'
import {LabelRows, type LabelSink, type OnByteRecord, SimpleCsvLines} from './label-rows.js'
import {LabelTable} from './label-table.js'

/**
 * Ground-truth labels: session id → anomalous?
 * The file's first column is the session id (BlockId, SessionId, ...) and a `Label` column holds
 * Normal/Anomaly, 0/1 or true/false (any case).
 */
export interface LabelSet<S extends LabelSink = LabelTable> {
  labels: S
  idColumn: string
  anomalies: number
}

export {parseLabelValue} from './label-rows.js'

/**
 * A label file that names none of the sessions scored (detect and replay --labels refuse it, exit
 * 3: an evaluation of nothing would read as a model that finds nothing). `sessions`: how many,
 * `key`: how they are keyed (block, window (5m), ...), `example`: one id.
 */
export function noSessionLabelled(sessions: number, key: string, example: string | undefined, labelsPath: string, idColumn: string): FlareError {
  return new FlareError(`none of the ${sessions} session ids (${key}, e.g. ${example}) appears in ${labelsPath}`, {exitCode: ExitCode.badInput, hint: `the label file's ${idColumn} column must hold the same ids; check --session-key`})
}

export interface ReadLabelsOptions {
  /** false: always through csv-parse (the reference the plain-file reader is tested against). */
  fast?: boolean
}

export async function readLabels(path: string, options: ReadLabelsOptions = {}): Promise<LabelSet> {
  // A row of an HDFS label file is ~33 bytes: room for size / 32 rows is made at once.
  return readLabelsInto(path, (size) => new LabelTable(Math.ceil(size / 32), size), options)
}

/**
 * readLabels() with the rows going to a sink of the caller's (`sink(fileBytes)` makes it): the
 * same checks and errors, whatever the sink does with the labels.
 */
export async function readLabelsInto<S extends LabelSink>(path: string, sink: (fileBytes: number) => S, options: ReadLabelsOptions = {}): Promise<LabelSet<S>> {
  const size = await labelFileSize(path)
  // csv-parse takes ~10 µs a row (5.8 s for the 575K blocks of the whole HDFS log); a plain file
  // (ASCII, no quotes) is split here instead, and anything else goes to csv-parse from the start.
  const rows = (options.fast !== false && (await plainRows(path, () => sink(size)))) || (await csvParseRows(path, createReadStream(path), sink(size)))
  return rows.result()
}

/** Bytes of a label file checkLabels() reads. */
const CHECKED_BYTES = 64 * 1024

/**
 * readLabels()' checks on the file's first 64 KiB (all of it when smaller): a wrong path, a
 * missing column or a bad row near the top fails in milliseconds, before a long read of the log,
 * without holding the labels through it (a table of 1.15M ids is ~70 MB). The rest of the file is
 * checked when it is read. A file that is not plain CSV (quotes, non-ASCII) is checked by
 * csv-parse, up to the last line break in those bytes.
 */
export async function checkLabels(path: string): Promise<void> {
  const size = await labelFileSize(path)
  const whole = size <= CHECKED_BYTES
  const rows = (await plainRows(path, checkTable, whole ? Infinity : CHECKED_BYTES)) ?? (await csvParsePrefix(path, size))
  // (header-only problems are found as the header row is taken; "no rows" only on the whole file)
  if (rows && whole) rows.result()
}

/** A table for the rows checkLabels() reads. */
const checkTable = (): LabelTable => new LabelTable(CHECKED_BYTES / 32, CHECKED_BYTES)

/**
 * The rows csv-parse finds in the file's first CHECKED_BYTES, up to its last whole line (quotes,
 * non-ASCII, other line ends: a file the plain reader declines); undefined when that cut falls in
 * a quoted value, which only the whole file can tell.
 */
async function csvParsePrefix(path: string, size: number): Promise<LabelRows<LabelTable> | undefined> {
  const file = await open(path)
  let prefix: Buffer
  try {
    const buf = Buffer.alloc(Math.min(size, CHECKED_BYTES))
    const {bytesRead} = await file.read(buf, 0, buf.length, 0)
    prefix = buf.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
  if (size > prefix.length) {
    const last = Math.max(prefix.lastIndexOf(10), prefix.lastIndexOf(13))
    if (last < 0) return undefined
    prefix = prefix.subarray(0, last + 1)
  }
  try {
    return await csvParseRows(path, Readable.from([prefix]), checkTable())
  } catch (error) {
    if (size > prefix.length && error instanceof FlareError && /not valid CSV: Quote Not Closed/i.test(error.message)) return undefined
    throw error
  }
}

async function labelFileSize(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new FlareError(`label file not found: ${path}`, {exitCode: ExitCode.badInput, hint: 'pass --labels with a CSV of session ids and a Label column'})
  if (!info.isFile()) throw new FlareError(`label path is not a file: ${path}`, {exitCode: ExitCode.badInput})
  if (info.size === 0) throw new FlareError(`label file is empty: ${path}`, {exitCode: ExitCode.badInput, hint: 'expected a header such as BlockId,Label then one row per session'})
  return info.size
}

/**
 * The rows of a plain file, or undefined as soon as the file turns out not to be one. `limit`:
 * stop after about this many bytes (the unfinished last line is left out).
 */
async function plainRows<S extends LabelSink>(path: string, sink: () => S, limit = Infinity): Promise<LabelRows<S> | undefined> {
  const rows = new LabelRows(path, sink())
  const lines = new SimpleCsvLines()
  const take: OnByteRecord = (bytes, spans, fields, line) => rows.takeBytes(bytes, spans, fields, line)
  const file = await open(path)
  try {
    // (1 MiB reads: each read that ends in a row is joined to its carry, a buffer of garbage as big)
    const buf = Buffer.allocUnsafe(Math.min(2 ** 20, limit))
    for (let read = 0; ; ) {
      const {bytesRead} = await file.read(buf, 0, buf.length, null)
      const ok = bytesRead === 0 ? lines.end(take) : lines.push(buf, bytesRead, take)
      if (!ok) return undefined
      read += bytesRead
      if (bytesRead === 0 || read >= limit) return rows
    }
  } finally {
    await file.close()
  }
}

/** The rows of `bytes` (the file at `path`, or its first lines) through csv-parse. */
async function csvParseRows<S extends LabelSink>(path: string, bytes: Readable, sink: S): Promise<LabelRows<S>> {
  // Loaded here: most label files are plain and never need it (start-up time of a small detect).
  const {parse} = await import('csv-parse')
  const parser = bytes.pipe(parse({bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true}))
  const rows = new LabelRows(path, sink)
  try {
    for await (const item of parser as AsyncIterable<{record: string[]; info: {lines: number}}>) rows.take(item.record, item.info.lines)
  } catch (error) {
    if (error instanceof FlareError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new FlareError(`label file ${path} is not valid CSV: ${message}`, {exitCode: ExitCode.badInput, hint: 'expected a header such as BlockId,Label then one row per session'})
  }
  return rows
}
