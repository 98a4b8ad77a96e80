import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'
import {mine, saveTemplateState, type MineOptions, type MineResult} from './mine.js'
import {ExitCode, FlareError} from './errors.js'

/**
 * `flare parse`: every input line → one row of a loghub-compatible structured CSV.
 * Columns: LineId (1-based physical line), EventId, EventTemplate (the template as it stood when
 * the line was mined), Timestamp, Level, Component, Content, SessionId, ParameterList,
 * ParameterTypes. A multi-line record gives each of its lines its own row with the record's
 * EventId. The final templates go to a companion `<out>_templates.csv` (EventId, EventTemplate,
 * Occurrences), since streaming rows cannot wait for later lines to generalise a template.
 */
export const PARSE_COLUMNS = ['LineId', 'EventId', 'EventTemplate', 'Timestamp', 'Level', 'Component', 'Content', 'SessionId', 'ParameterList', 'ParameterTypes'] as const

export interface ParseOptions extends Omit<MineOptions, 'miner'> {
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
}

/** RFC 4180 quoting: only fields holding a quote, comma or line break are quoted. */
export function csvField(value: string): string {
  if (value.indexOf('"') >= 0) return `"${value.replaceAll('"', '""')}"`
  if (value.indexOf(',') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) return `"${value}"`
  return value
}

/**
 * CSV bytes written straight into 1 MiB buffers, one row at a time: joining row strings into
 * chunks cost more than mining the line. Full buffers are handed to the stream in
 * `drain()`, which honours backpressure, so a slow pipe never makes us hold the whole CSV.
 */
class CsvSink {
  private buf = Buffer.allocUnsafe(CHUNK)
  private off = 0
  private full: Buffer[] = []
  constructor(private readonly stream: NodeJS.WritableStream) {}

  /** Appends text as-is (the caller quotes it when needed). */
  text(s: string): void {
    if (this.off + s.length * 3 > this.buf.length) this.rotate(s.length * 3)
    this.off += this.buf.write(s, this.off, 'utf8')
  }

  private rotate(need: number): void {
    if (this.off > 0) this.full.push(this.buf.subarray(0, this.off))
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, need))
    this.off = 0
  }

  /** Writes every full buffer (and, with `all`, the partial one), waiting when the stream is full. */
  async drain(all = false): Promise<void> {
    if (all) this.rotate(0)
    const chunks = this.full
    this.full = []
    for (const chunk of chunks) if (!this.stream.write(chunk)) await once(this.stream, 'drain')
  }
}

const CHUNK = 1 << 20

async function openOutput(path: string, stdout: NodeJS.WritableStream): Promise<{stream: NodeJS.WritableStream; close: () => Promise<void>}> {
  if (path === '-') return {stream: stdout, close: async () => {}}
  const stream: WriteStream = createWriteStream(path)
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error) => reject(new FlareError(`cannot write ${path}: ${error.message}`, {exitCode: ExitCode.badInput, hint: 'choose a writable path with -o'})))
  })
  return {stream, close: () => new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())))}
}

const PLAIN = /^[^"\\\u0000-\u001f]*$/

/**
 * `,"[""v1"",""v2""]","[""ip"",""number""]"`: the ParameterList and ParameterTypes cells, JSON
 * arrays quoted for CSV. Values without quotes, backslashes or control characters (nearly all)
 * skip JSON.stringify.
 */
function paramLists(params: ReadonlyArray<{value: string; type: string}>): string {
  let values = ''
  let types = ''
  for (let i = 0; i < params.length; i++) {
    const {value, type} = params[i]
    const json = PLAIN.test(value) ? `""${value}""` : JSON.stringify(value).replaceAll('"', '""')
    values += i === 0 ? json : `,${json}`
    types += i === 0 ? `""${type}""` : `,""${type}""`
  }
  return `,"[${values}]","[${types}]"\n`
}

export function defaultTemplatesPath(output: string): string | undefined {
  if (output === '-' || output.startsWith('/dev/')) return undefined
  return output.replace(/(\.csv)?$/i, '_templates.csv')
}

export async function parseToCsv(options: ParseOptions): Promise<ParseSummary> {
  const out = await openOutput(options.output, options.stdout ?? process.stdout)
  const sink = new CsvSink(out.stream)
  sink.text(PARSE_COLUMNS.join(',') + '\n')
  const afterBatch = (): Promise<void> => sink.drain()
  // Templates change rarely: keep each one's escaped CSV text instead of re-escaping per line.
  const escaped = new Map<string, string>()
  const result = await mine({...options, afterBatch}, (record, _index, added, miner) => {
    const templateId = added.templateId
    let template = escaped.get(added.template)
    if (template === undefined) {
      if (escaped.size > 10_000) escaped.clear()
      escaped.set(added.template, (template = csvField(added.template)))
    }
    const params = miner.extractParams(record.content, templateId)
    const lists = params === null || params.length === 0 ? ',[],[]\n' : paramLists(params)
    const keys = record.sessionKeys
    const parts = record.lineCount === 1 ? undefined : record.content.split('\n')
    const head = `,${templateId},${template},${record.rawTimestamp === undefined ? '' : csvField(record.rawTimestamp)},${record.level ?? ''},${record.component === undefined ? '' : csvField(record.component)},`
    const tail = `,${keys.length === 0 ? '' : keys.length === 1 ? keys[0] : csvField(keys.join(' '))}${lists}`
    // one write per row: each Buffer#write is a native call, cheaper than joining row strings
    for (let k = 0; k < record.lineCount; k++) sink.text(`${record.lineId + k}${head}${csvField(parts === undefined ? record.content : (parts[k] ?? ''))}${tail}`)
  })
  await sink.drain(true)
  await out.close()

  const templatesOutput = options.templatesOutput ?? defaultTemplatesPath(options.output)
  if (templatesOutput) {
    const t = await openOutput(templatesOutput, options.stdout ?? process.stdout)
    const tsink = new CsvSink(t.stream)
    tsink.text('EventId,EventTemplate,Occurrences\n')
    for (const info of result.miner.templates()) tsink.text(`${info.id},${csvField(info.template)},${info.count}\n`)
    await tsink.drain(true)
    await t.close()
  }
  if (options.statePath) await saveTemplateState(options.statePath, result.miner)
  const {miner, templates, ...rest} = result
  return {...rest, templates: miner.size, output: options.output, templatesOutput}
}
