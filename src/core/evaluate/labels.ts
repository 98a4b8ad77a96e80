import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {parse} from 'csv-parse'
import {ExitCode, FlareError} from '../errors.js'

/**
 * Ground-truth labels: session id → anomalous?
 * The file's first column is the session id (BlockId, SessionId, ...) and a `Label` column holds
 * Normal/Anomaly, 0/1 or true/false (any case).
 */
export interface LabelSet {
  labels: Map<string, boolean>
  idColumn: string
  anomalies: number
}

const ANOMALY = new Set(['anomaly', 'anomalous', 'abnormal', '1', 'true', 'yes', 'fail', 'failure'])
const NORMAL = new Set(['normal', '0', 'false', 'no', 'success', 'ok'])

export function parseLabelValue(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase()
  if (ANOMALY.has(v)) return true
  if (NORMAL.has(v)) return false
  return undefined
}

export async function readLabels(path: string): Promise<LabelSet> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new FlareError(`label file not found: ${path}`, {exitCode: ExitCode.badInput, hint: 'pass --labels with a CSV of session ids and a Label column'})
  if (!info.isFile()) throw new FlareError(`label path is not a file: ${path}`, {exitCode: ExitCode.badInput})
  if (info.size === 0) throw new FlareError(`label file is empty: ${path}`, {exitCode: ExitCode.badInput, hint: 'expected a header such as BlockId,Label then one row per session'})

  const parser = createReadStream(path).pipe(parse({bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true}))
  const labels = new Map<string, boolean>()
  let header: string[] | undefined
  let labelCol = -1
  let anomalies = 0
  let line: number
  try {
    for await (const item of parser as AsyncIterable<{record: string[]; info: {lines: number}}>) {
      const record = item.record
      line = item.info.lines
      if (!header) {
        header = record
        labelCol = header.findIndex((h) => h.toLowerCase() === 'label')
        if (labelCol < 0) throw new FlareError(`label file ${path} has no "Label" column (header: ${header.join(',')})`, {exitCode: ExitCode.badInput, hint: 'the first row must name the columns, e.g. BlockId,Label'})
        if (labelCol === 0) throw new FlareError(`label file ${path}: the first column must be the session id, not Label`, {exitCode: ExitCode.badInput, hint: 'reorder the columns as SessionId,Label'})
        continue
      }
      // A row with more or fewer fields than the header is a shifted or mis-joined row: its label
      // would be read from the wrong column, so it is refused rather than guessed at.
      if (record.length !== header.length) {
        throw new FlareError(`label file ${path}, line ${line}: expected ${header.length} columns (${header.join(',')}), found ${record.length}: ${record.join(',').slice(0, 120)}`, {exitCode: ExitCode.badInput, hint: 'every row needs exactly the header\'s columns; quote values that contain commas'})
      }
      const id = record[0]
      if (!id) throw new FlareError(`label file ${path}, line ${line}: empty session id`, {exitCode: ExitCode.badInput})
      const value = parseLabelValue(record[labelCol])
      if (value === undefined) throw new FlareError(`label file ${path}, line ${line}: unknown label "${record[labelCol]}"`, {exitCode: ExitCode.badInput, hint: 'labels must be Normal/Anomaly, 0/1 or true/false'})
      const earlier = labels.get(id)
      if (earlier !== undefined) {
        // The same label twice is harmless; two different ones make every metric meaningless.
        if (earlier !== value) throw new FlareError(`label file ${path}, line ${line}: session ${id} is labelled ${value ? 'anomalous' : 'normal'} here and ${earlier ? 'anomalous' : 'normal'} on an earlier row`, {exitCode: ExitCode.badInput, hint: 'keep one label per session id'})
        continue
      }
      if (value) anomalies++
      labels.set(id, value)
    }
  } catch (error) {
    if (error instanceof FlareError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new FlareError(`label file ${path} is not valid CSV: ${message}`, {exitCode: ExitCode.badInput, hint: 'expected a header such as BlockId,Label then one row per session'})
  }
  if (!header) throw new FlareError(`label file is empty: ${path}`, {exitCode: ExitCode.badInput})
  if (labels.size === 0) throw new FlareError(`label file ${path} has a header but no rows`, {exitCode: ExitCode.badInput})
  return {labels, idColumn: header[0], anomalies}
}
