import {ExitCode, FlareError} from '../errors.js'
import type {LabelTable} from './label-table.js'
import type {LabelSet} from './labels.js'

const ANOMALY_WORDS = ['anomaly', 'anomalous', 'abnormal', '1', 'true', 'yes', 'fail', 'failure']
const NORMAL_WORDS = ['normal', '0', 'false', 'no', 'success', 'ok']
const ANOMALY = new Set(ANOMALY_WORDS)
const NORMAL = new Set(NORMAL_WORDS)
/** The words as bytes with their label, for rows read as bytes (ASCII: a byte is a character). */
const WORD_BYTES: Array<[Buffer, boolean]> = [...ANOMALY_WORDS.map((w): [Buffer, boolean] => [Buffer.from(w, 'latin1'), true]), ...NORMAL_WORDS.map((w): [Buffer, boolean] => [Buffer.from(w, 'latin1'), false])]

export function parseLabelValue(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase()
  if (ANOMALY.has(v)) return true
  if (NORMAL.has(v)) return false
  return undefined
}

/** parseLabelValue of printable ASCII buf[a, b) (already trimmed), without making a string. */
function labelValueOfBytes(buf: Uint8Array, a: number, b: number): boolean | undefined {
  const n = b - a
  for (const [word, value] of WORD_BYTES) {
    if (word.length !== n) continue
    let i = 0
    // `| 0x20` lower-cases a letter; the words are letters and digits, so a digit compares as itself
    while (i < n && (buf[a + i] | 0x20) === word[i]) i++
    if (i === n) return value
  }
  return undefined
}

/**
 * Where checked rows go: a LabelTable of every id (readLabels), or the sessions of a run, looked
 * up by their ids as the rows come (SessionStore.labelSink). `size`: distinct ids taken.
 */
export interface LabelSink {
  readonly size: number
  get(id: string): boolean | undefined
  /** Adds an id that get() did not find. */
  add(id: string, label: boolean): void
  /** The label of the id with these UTF-8 bytes if it has one; otherwise adds it with `label` and returns undefined. */
  addBytesIfAbsent(buf: Uint8Array, a: number, b: number, label: boolean): boolean | undefined
  /** Every row is in. */
  trim(): void
}

/** The header and rows of a label file, checked one by one (whichever reader split them). */
export class LabelRows<S extends LabelSink = LabelTable> {
  private header: string[] | undefined
  private labelCol = -1
  private anomalies = 0

  constructor(
    private readonly path: string,
    readonly labels: S,
  ) {}

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

  /**
   * A record of the plain-file reader: `fields` fields, field k is buf[spans[2k], spans[2k + 1]),
   * printable ASCII and trimmed. The usual row (right width, an id, a known label, a new id) is
   * taken from the bytes, with no string made; anything else goes through take() with the record
   * as strings, so both readers accept, refuse and word errors alike.
   */
  takeBytes(buf: Uint8Array, spans: Int32Array, fields: number, line: number): void {
    const {header, labels} = this
    if (header && fields === header.length) {
      const a = spans[0]
      const b = spans[1]
      const value = labelValueOfBytes(buf, spans[2 * this.labelCol], spans[2 * this.labelCol + 1])
      if (b > a && value !== undefined) {
        const earlier = labels.addBytesIfAbsent(buf, a, b, value)
        if (earlier === undefined) {
          if (value) this.anomalies++
          return
        }
        if (earlier === value) return
      }
    }
    const record: string[] = []
    for (let k = 0; k < fields; k++) record.push(Buffer.from(buf.buffer, buf.byteOffset + spans[2 * k], spans[2 * k + 1] - spans[2 * k]).toString('latin1'))
    this.take(record, line)
  }

  result(): LabelSet<S> {
    const {header, labels, path} = this
    if (!header) throw new FlareError(`label file is empty: ${path}`, {exitCode: ExitCode.badInput})
    if (labels.size === 0) throw new FlareError(`label file ${path} has a header but no rows`, {exitCode: ExitCode.badInput})
    labels.trim()
    return {labels, idColumn: header[0], anomalies: this.anomalies}
  }
}

const NL = 10
const CR = 13
const SPACE = 32
const COMMA = 44
const QUOTE = 34

/** A record of SimpleCsvLines: see LabelRows.takeBytes. */
export type OnByteRecord = (buf: Uint8Array, spans: Int32Array, fields: number, line: number) => void

/**
 * Splits a plain CSV file into records as csv-parse does with {bom, trim, skip_empty_lines,
 * relax_column_count}, for the files where that is simple: printable ASCII, no quotes, one line
 * ending throughout (LF, or CRLF), no line of spaces only. push/end return false as soon as a
 * byte falls outside that, and the caller starts again with csv-parse, so nothing else (quoting,
 * Unicode trimming, odd line endings) has to be reproduced here. Records are handed over as byte
 * ranges of the read buffer (575K rows of the whole HDFS log: no string per field).
 */
export class SimpleCsvLines {
  private carry: Buffer = Buffer.alloc(0)
  private line = 0
  private first = true
  /** Line ending seen first: 'lf' or 'crlf' (csv-parse picks one from the first line and keeps it). */
  private ending: 'lf' | 'crlf' | undefined
  private spans = new Int32Array(64)

  push(chunk: Buffer, length: number, onRecord: OnByteRecord): boolean {
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
    const next = this.lines(buf, start, false, onRecord)
    if (next < 0) return false
    this.carry = Buffer.from(buf.subarray(next))
    return true
  }

  end(onRecord: OnByteRecord): boolean {
    let buf = this.carry
    let start = 0
    if (this.first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3
    this.carry = Buffer.alloc(0)
    return this.lines(buf, start, true, onRecord) >= 0
  }

  /**
   * The lines of buf from `start`, in one pass over the bytes (no search call per line). Returns
   * where the unfinished last line starts (to carry into the next read; at `last`, the end of the
   * file, there is none), or -1 as soon as the text is not plain.
   */
  private lines(buf: Buffer, start: number, last: boolean, onRecord: OnByteRecord): number {
    const n = buf.length
    let i = start
    while (i < n) {
      const lineStart = i
      let fields = 0
      let fieldStart = i
      let blank = true
      let ending: 'lf' | 'crlf' | undefined
      for (;;) {
        const c = i < n ? buf[i] : NL
        if (c === COMMA || c === NL || c === CR) {
          if (c === CR) {
            if (i + 1 >= n && !last) return lineStart // the LF may be in the next read
            if (i + 1 >= n || buf[i + 1] !== NL) return -1 // a CR alone: not plain
          }
          let a = fieldStart
          let b = i
          while (a < b && buf[a] === SPACE) a++
          while (b > a && buf[b - 1] === SPACE) b--
          if (2 * fields + 2 > this.spans.length) {
            const spans = new Int32Array(2 * this.spans.length)
            spans.set(this.spans)
            this.spans = spans
          }
          this.spans[2 * fields] = a
          this.spans[2 * fields + 1] = b
          fields++
          fieldStart = i + 1
          if (c === COMMA) {
            i++
            continue
          }
          if (i >= n) {
            if (!last) return lineStart
          } else ending = c === CR ? 'crlf' : 'lf'
          break
        }
        if (c < SPACE || c > 126 || c === QUOTE) return -1
        if (c !== SPACE) blank = false
        i++
      }
      const lineEnd = i
      i += ending === 'crlf' ? 2 : ending === 'lf' ? 1 : 0
      this.line++
      if (ending !== undefined) {
        if (this.ending === undefined) this.ending = ending
        else if (this.ending !== ending) return -1
      }
      if (lineEnd === lineStart) continue
      // A line of spaces only: csv-parse's view of it (empty record or one empty field) is not worth copying.
      if (blank && fields === 1) return -1
      onRecord(buf, this.spans, fields, this.line)
    }
    return n
  }
}
