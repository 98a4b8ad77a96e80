import {ExitCode, FlareError} from '../errors.js'
import {LabelTable} from './label-table.js'
import type {LabelSet} from './labels.js'

const ANOMALY = new Set(['anomaly', 'anomalous', 'abnormal', '1', 'true', 'yes', 'fail', 'failure'])
const NORMAL = new Set(['normal', '0', 'false', 'no', 'success', 'ok'])

export function parseLabelValue(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase()
  if (ANOMALY.has(v)) return true
  if (NORMAL.has(v)) return false
  return undefined
}

/** The header and rows of a label file, checked one by one (whichever reader split them). */
export class LabelRows {
  readonly labels = new LabelTable()
  private header: string[] | undefined
  private labelCol = -1
  private anomalies = 0

  constructor(private readonly path: string) {}

  take(record: string[], line: number): void {
    const {path, header, labels} = this
    if (!header) {
      this.header = record
      this.labelCol = record.findIndex((h) => h.toLowerCase() === 'label')
      if (this.labelCol < 0) throw new FlareError(`label file ${path} has no "Label" column (header: ${record.join(',')})`, {exitCode: ExitCode.badInput, hint: 'the first row must name the columns, e.g. BlockId,Label'})
      if (this.labelCol === 0) throw new FlareError(`label file ${path}: the first column must be the session id, not Label`, {exitCode: ExitCode.badInput, hint: 'reorder the columns as SessionId,Label'})
      return
    }
    // A row with more or fewer fields than the header is a shifted or mis-joined row: its label
    // would be read from the wrong column, so it is refused rather than guessed at.
    if (record.length !== header.length) {
      throw new FlareError(`label file ${path}, line ${line}: expected ${header.length} columns (${header.join(',')}), found ${record.length}: ${record.join(',').slice(0, 120)}`, {exitCode: ExitCode.badInput, hint: 'every row needs exactly the header\'s columns; quote values that contain commas'})
    }
    const id = record[0]
    if (!id) throw new FlareError(`label file ${path}, line ${line}: empty session id`, {exitCode: ExitCode.badInput})
    const value = parseLabelValue(record[this.labelCol])
    if (value === undefined) throw new FlareError(`label file ${path}, line ${line}: unknown label "${record[this.labelCol]}"`, {exitCode: ExitCode.badInput, hint: 'labels must be Normal/Anomaly, 0/1 or true/false'})
    const earlier = labels.get(id)
    if (earlier !== undefined) {
      // The same label twice is harmless; two different ones make every metric meaningless.
      if (earlier !== value) throw new FlareError(`label file ${path}, line ${line}: session ${id} is labelled ${value ? 'anomalous' : 'normal'} here and ${earlier ? 'anomalous' : 'normal'} on an earlier row`, {exitCode: ExitCode.badInput, hint: 'keep one label per session id'})
      return
    }
    if (value) this.anomalies++
    labels.add(id, value)
  }

  result(): LabelSet {
    const {header, labels, path} = this
    if (!header) throw new FlareError(`label file is empty: ${path}`, {exitCode: ExitCode.badInput})
    if (labels.size === 0) throw new FlareError(`label file ${path} has a header but no rows`, {exitCode: ExitCode.badInput})
    return {labels, idColumn: header[0], anomalies: this.anomalies}
  }
}

const NL = 10
const CR = 13
const SPACE = 32
const COMMA = 44
const QUOTE = 34

/**
 * Splits a plain CSV file into records as csv-parse does with {bom, trim, skip_empty_lines,
 * relax_column_count}, for the files where that is simple: printable ASCII, no quotes, one line
 * ending throughout (LF, or CRLF), no line of spaces only. push/end return false as soon as a
 * byte falls outside that, and the caller starts again with csv-parse, so nothing else (quoting,
 * Unicode trimming, odd line endings) has to be reproduced here.
 */
export class SimpleCsvLines {
  private carry: Buffer = Buffer.alloc(0)
  private line = 0
  private first = true
  /** Line ending seen first: 'lf' or 'crlf' (csv-parse picks one from the first line and keeps it). */
  private ending: 'lf' | 'crlf' | undefined

  push(chunk: Buffer, length: number, onRecord: (record: string[], line: number) => void): boolean {
    let buf = chunk.subarray(0, length)
    if (this.carry.length > 0) buf = Buffer.concat([this.carry, buf])
    let start = 0
    if (this.first) {
      if (buf.length < 3) {
        this.carry = Buffer.from(buf)
        return true
      }
      this.first = false
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3
    }
    // One string for the whole read (ASCII: a byte is a character), fields sliced out of it.
    const text = buf.latin1Slice(0, buf.length)
    for (;;) {
      const nl = buf.indexOf(NL, start)
      if (nl < 0) break
      if (!this.record(buf, text, start, nl, true, onRecord)) return false
      start = nl + 1
    }
    this.carry = Buffer.from(buf.subarray(start))
    return true
  }

  end(onRecord: (record: string[], line: number) => void): boolean {
    let buf = this.carry
    let start = 0
    if (this.first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3
    this.carry = Buffer.alloc(0)
    return start >= buf.length || this.record(buf, buf.latin1Slice(0, buf.length), start, buf.length, false, onRecord)
  }

  /** One line, [start, end) without its newline; false when it is not plain. */
  private record(buf: Buffer, text: string, start: number, end: number, terminated: boolean, onRecord: (record: string[], line: number) => void): boolean {
    this.line++
    let stop = end
    if (terminated) {
      const crlf = stop > start && buf[stop - 1] === CR
      if (crlf) stop--
      const ending = crlf ? 'crlf' : 'lf'
      if (this.ending === undefined) this.ending = ending
      else if (this.ending !== ending) return false
    }
    const fields: string[] = []
    let fieldStart = start
    let blank = true
    for (let i = start; i <= stop; i++) {
      const c = i < stop ? buf[i] : COMMA
      if (c === COMMA) {
        let a = fieldStart
        let b = i
        while (a < b && buf[a] === SPACE) a++
        while (b > a && buf[b - 1] === SPACE) b--
        fields.push(text.slice(a, b))
        fieldStart = i + 1
        continue
      }
      if (c < SPACE || c > 126 || c === QUOTE) return false
      if (c !== SPACE) blank = false
    }
    if (stop === start) return true
    // A line of spaces only: csv-parse's view of it (empty record or one empty field) is not worth copying.
    if (blank && fields.length === 1) return false
    onRecord(fields, this.line)
    return true
  }
}
