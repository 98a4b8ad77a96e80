import {openOutput, type PendingOutput} from '../io/output.js'
import {ExitCode, FlareError} from '../errors.js'
import type {LogRecord} from '../ingest/index.js'
import type {AddResult, TemplateMiner} from '../templates/index.js'
import {ByteOut, csvField, paramLists} from './fast-path.js'
import {mine, type MineOptions, type MineResult} from './mine.js'
import {flushRows} from './run.js'
import {saveTemplateState} from './state-file.js'
import {openRowScratch, type RowScratch} from './final-templates.js'

export {csvField} from './fast-path.js'

/**
 * `flare parse`: every input line → one row of a loghub-compatible structured CSV.
 * Columns: LineId (1-based physical line), EventId, EventTemplate (the template's final text, as in
 * `_templates.csv`: see final-templates.ts), Timestamp, Level, Component, Content, SessionId, ParameterList,
 * ParameterTypes. A multi-line record gives each of its lines its own row with the record's
 * EventId. The templates go to a companion `<out>_templates.csv` (EventId, EventTemplate,
 * Occurrences).
 */
export const PARSE_COLUMNS = ['LineId', 'EventId', 'EventTemplate', 'Timestamp', 'Level', 'Component', 'Content', 'SessionId', 'ParameterList', 'ParameterTypes'] as const

export interface ParseOptions extends Omit<MineOptions, 'afterBatch' | 'miner' | 'input'> {
  input: string
  /** CSV destination: a path, or `-` for stdout. */
  output: string
  /** Where the final templates go; default derived from output (none when output is stdout). */
  templatesOutput?: string
  stdout?: NodeJS.WritableStream
}

export interface ParseSummary extends Omit<MineResult, 'miner' | 'templates'> {
  templates: number
  output: string
  templatesOutput?: string
  /** Where the template state went (beside --state when that was a Drain3 snapshot). */
  stateOutput?: string
}

const CHUNK = 1 << 20

/**
 * The main thread's row sink: rows given as text are joined into one string and encoded 16 KB at a
 * time (one Buffer.write per row cost more than making the row). Byte writers (the fast path,
 * copyBytes) call ensure() first, which writes the joined text out before them, so rows keep their
 * order; take() does too.
 */
class TextRows extends ByteOut {
  private pending = ''

  override text(s: string): void {
    this.pending += s
    if (this.pending.length >= 16_384) this.writePending()
  }

  override ensure(n: number): void {
    if (this.pending.length > 0) this.writePending()
    super.ensure(n)
  }

  override take(all: boolean): Buffer[] {
    if (this.pending.length > 0) this.writePending()
    return super.take(all)
  }

  private writePending(): void {
    const s = this.pending
    this.pending = ''
    super.text(s)
  }
}

/** stdout as it is, or a file written beside its target and renamed into place on commit (io/output.ts). */
async function openCsv(path: string, stdout: NodeJS.WritableStream, flag: string): Promise<PendingOutput> {
  if (path === '-') return {path, stream: stdout, commit: async () => {}, abort: async () => {}}
  // Rows come in buffers of megabytes (a worker's slot): with the default 16 KB mark every write
  // would wait for 'drain' before the next region can be sent out.
  return openOutput(path, {flag, highWaterMark: 8 * CHUNK})
}

export function defaultTemplatesPath(output: string): string | undefined {
  if (output === '-' || output.startsWith('/dev/')) return undefined
  return output.replace(/(\.csv)?$/i, '_templates.csv')
}

/**
 * Streams the input into CSV rows: the CSV visitor of stage 1 (mine.ts). Records of the string
 * path become rows here; regions the fast path or a worker takes arrive as rows already.
 */
export async function parseToCsv(options: ParseOptions): Promise<ParseSummary> {
  const out = await openRowScratch(options.output, options.stdout ?? process.stdout, '-o')
  try {
    return await writeCsv(options, out)
  } catch (error) {
    // A failed or interrupted parse leaves the previous CSV (and templates CSV) as they were.
    await out.abort()
    throw error
  }
}

async function writeCsv(options: ParseOptions, out: RowScratch): Promise<ParseSummary> {
  const sink = new TextRows(CHUNK)
  sink.text(PARSE_COLUMNS.join(',') + '\n')
  // Templates change rarely: keep each one's escaped CSV text instead of re-escaping per line.
  const escaped = new Map<string, string>()
  const row = (record: LogRecord, _index: number, added: AddResult, miner: TemplateMiner): void => {
    const templateId = added.templateId
    let template = escaped.get(added.template)
    if (template === undefined) {
      if (escaped.size > 10_000) escaped.clear()
      escaped.set(added.template, (template = csvField(added.template)))
    }
    const lists = paramLists(miner.extractParams(record.content, templateId))
    const keys = record.sessionKeys
    const parts = record.lineCount === 1 ? undefined : record.content.split('\n')
    const head = `,${templateId},${template},${record.rawTimestamp === undefined ? '' : csvField(record.rawTimestamp)},${record.level ?? ''},${record.component === undefined ? '' : csvField(record.component)},`
    const tail = `,${keys.length === 0 ? '' : keys.length === 1 ? keys[0] : csvField(keys.join(' '))}${lists}`
    const ids = record.lineIds
    for (let k = 0; k < record.lineCount; k++) sink.text(`${ids === undefined ? record.lineId + k : ids[k]}${head}${csvField(parts === undefined ? record.content : (parts[k] ?? ''))}${tail}`)
  }
  const mined = await mine(options, {record: row, csv: {sink, stream: out.stream}})
  const miner = mined.miner
  if (mined.records === 0) {
    throw new FlareError(`no log records in ${options.input === '-' ? 'stdin' : options.input}`, {exitCode: ExitCode.badInput, hint: 'the input is empty or holds only blank lines'})
  }
  await flushRows(sink, out.stream, true)

  const rows = await out.finish(miner)
  const templatesOutput = options.templatesOutput ?? defaultTemplatesPath(options.output)
  const t = templatesOutput ? await openCsv(templatesOutput, options.stdout ?? process.stdout, '-o') : undefined
  try {
    if (t) {
      const tsink = new ByteOut(CHUNK)
      tsink.text('EventId,EventTemplate,Occurrences\n')
      for (const info of rows.templates) tsink.text(`${info.id},${csvField(info.template)},${info.count}\n`)
      await flushRows(tsink, t.stream, true)
    }
    // Both CSVs are complete: only now do they replace what was there.
    await rows.commit()
    await t?.commit()
  } catch (error) {
    await t?.abort()
    await rows.abort()
    throw error
  }
  const stateOutput = options.statePath ? await saveTemplateState(options.statePath, miner) : undefined
  const {format, formatReason, lines, records, skipped, joined, truncated, invalidUtf8, elapsedMs, linesPerSecond, threads} = mined
  return {format, formatReason, lines, records, skipped, joined, truncated, invalidUtf8, elapsedMs, linesPerSecond, templates: rows.templates.length, threads, output: options.output, templatesOutput, stateOutput}
}
