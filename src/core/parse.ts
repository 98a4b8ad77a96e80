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

/** Buffered writer honouring backpressure, so a slow pipe never makes us hold the whole CSV. */
class CsvSink {
  private buffer: string[] = []
  private size = 0
  constructor(private readonly stream: NodeJS.WritableStream) {}
  async push(text: string): Promise<void> {
    this.buffer.push(text)
    this.size += text.length
    if (this.size >= 1 << 20) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.size === 0) return
    const chunk = this.buffer.join('')
    this.buffer = []
    this.size = 0
    if (!this.stream.write(chunk)) await once(this.stream, 'drain')
  }
}

async function openOutput(path: string, stdout: NodeJS.WritableStream): Promise<{stream: NodeJS.WritableStream; close: () => Promise<void>}> {
  if (path === '-') return {stream: stdout, close: async () => {}}
  const stream: WriteStream = createWriteStream(path)
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error) => reject(new FlareError(`cannot write ${path}: ${error.message}`, {exitCode: ExitCode.badInput, hint: 'choose a writable path with -o'})))
  })
  return {stream, close: () => new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())))}
}

export function defaultTemplatesPath(output: string): string | undefined {
  if (output === '-' || output.startsWith('/dev/')) return undefined
  return output.replace(/(\.csv)?$/i, '_templates.csv')
}

export async function parseToCsv(options: ParseOptions): Promise<ParseSummary> {
  const out = await openOutput(options.output, options.stdout ?? process.stdout)
  const sink = new CsvSink(out.stream)
  await sink.push(PARSE_COLUMNS.join(',') + '\n')
  let rows: string[] = []
  const afterBatch = async (): Promise<void> => {
    await sink.push(rows.join(''))
    rows = []
  }
  // Templates change rarely: keep each one's escaped CSV text instead of re-escaping per line.
  const escaped = new Map<string, string>()
  const result = await mine({...options, afterBatch}, (record, _index, added, miner) => {
    const templateId = added.templateId
    let template = escaped.get(added.template)
    if (template === undefined) {
      if (escaped.size > 10_000) escaped.clear()
      escaped.set(added.template, (template = csvField(added.template)))
    }
    const params = miner.extractParams(record.content, templateId) ?? []
    let values = '[]'
    let types = '[]'
    if (params.length > 0) {
      values = JSON.stringify(params.map((p) => p.value))
      types = JSON.stringify(params.map((p) => p.type))
      values = `"${values.replaceAll('"', '""')}"`
      types = `"${types.replaceAll('"', '""')}"`
    }
    const session = record.sessionKeys.length === 0 ? '' : record.sessionKeys.length === 1 ? record.sessionKeys[0] : csvField(record.sessionKeys.join(' '))
    const head = `,${templateId},${template},${record.rawTimestamp === undefined ? '' : csvField(record.rawTimestamp)},${record.level ?? ''},${record.component === undefined ? '' : csvField(record.component)},`
    const tail = `,${session},${values},${types}\n`
    if (record.lineCount === 1) {
      rows.push(record.lineId + head + csvField(record.content) + tail)
    } else {
      const parts = record.content.split('\n')
      for (let k = 0; k < record.lineCount; k++) rows.push(record.lineId + k + head + csvField(parts[k] ?? '') + tail)
    }
  })
  await afterBatch()
  await sink.flush()
  await out.close()

  const templatesOutput = options.templatesOutput ?? defaultTemplatesPath(options.output)
  if (templatesOutput) {
    const t = await openOutput(templatesOutput, options.stdout ?? process.stdout)
    const tsink = new CsvSink(t.stream)
    await tsink.push('EventId,EventTemplate,Occurrences\n')
    for (const info of result.miner.templates()) await tsink.push(`${info.id},${csvField(info.template)},${info.count}\n`)
    await tsink.flush()
    await t.close()
  }
  if (options.statePath) await saveTemplateState(options.statePath, result.miner)
  const {miner, templates, ...rest} = result
  return {...rest, templates: miner.size, output: options.output, templatesOutput}
}
