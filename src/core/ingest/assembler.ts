import type {LogRecord} from './record.js'
import type {LogFormat} from './formats/format.js'
import {parseGeneric} from './formats/generic.js'
import {DETECTION_SAMPLE, detectFormat, detectLineFormat, FORMATS, getFormat, type FormatDetection} from './formats/registry.js'
import {limitWarnings, type IngestWarning} from './warning.js'
import {continuesRecord, isContinuationLine} from './continuation.js'
import {YearResolver} from './formats/year.js'
import {isBlank, trimEnd, WrappedLines} from './wrapped-lines.js'

export {isContinuationLine}

export interface AssemblerOptions {
  /** A format, a format name, or 'auto' (detect from the first `sampleSize` non-empty lines). */
  format?: LogFormat | string
  /** Non-empty lines used for auto-detection. Default 200. */
  sampleSize?: number
  /** Formats considered by auto-detection and per-line re-detection. Default: all built-ins. */
  formats?: readonly LogFormat[]
  /** Continuation lines joined into one record at most; further lines start new records. Default 500. */
  maxRecordLines?: number
  /** Content length (UTF-16 units) beyond which continuation lines start new records. Default 1 Mi. */
  maxRecordChars?: number
  /** Called once the format is known (immediately for an explicit format). */
  onFormat?: (detection: FormatDetection) => void
  onWarning?: (warning: IngestWarning) => void
  /** Warnings forwarded per kind before they are summarised. Default 5. */
  maxWarningsPerKind?: number
  /** Epoch ms year-less timestamps are dated against (formats/year.ts). Default: Date.now() at construction. */
  now?: number
}

export interface AssemblerStats {
  /** Records emitted. */
  records: number
  /** Empty or blank lines skipped. */
  emptyLines: number
  /** Continuation lines joined to the record before them. */
  joinedLines: number
  /** Lines that did not fit the file's format and were parsed by another (re-detected) format. */
  reparsedLines: number
  /** Lines no format recognised, kept as generic records with the whole line as content. */
  unrecognizedLines: number
}

/** Lines of the input a forced --format is checked against, and the share that must fit it. */
const FORCED_FORMAT_CHECK = 1000
const FORCED_FORMAT_MIN_FIT = 0.5

/**
 * Turns physical lines into complete records. A line that starts a record of the file's format
 * opens a new record; a continuation line of the open record (see continuesRecord: after a JSON
 * Lines or logfmt record, only indented lines are) is joined to it with "\n"; any other line is
 * parsed by the first format that matches it, or kept whole as a generic record, so nothing is
 * dropped. Blank lines are counted and skipped. The last record is
 * held until the next record starts or `finish()` is called. The lines of a format that wraps
 * what a program wrote (container logs: CRI, Docker json-file) are joined by what is inside them,
 * per stream (wrapped-lines.ts): a line split into parts, and a stack trace written line by line.
 */
export class RecordAssembler {
  readonly stats: AssemblerStats = {records: 0, emptyLines: 0, joinedLines: 0, reparsedLines: 0, unrecognizedLines: 0}
  private formatValue?: LogFormat
  private detectionValue?: FormatDetection
  private readonly formats: readonly LogFormat[]
  private readonly sampleSize: number
  private readonly maxRecordLines: number
  private readonly maxRecordChars: number
  private pending: LogRecord | null = null
  /** The lines of a wrapping format, joined per stream; made on the first such line. */
  private wrapped?: WrappedLines
  private sample: Array<{line: string; lineId: number}> | null = null
  private readonly warn: (w: IngestWarning) => void
  /** A forced format is checked on the first lines: how many were tried, and how many fit it. */
  private forcedChecked = 0
  private forcedFit = 0
  /** Years for year-less timestamps, decided here because records arrive in log order. */
  private readonly years: YearResolver

  constructor(private readonly options: AssemblerOptions = {}) {
    this.years = new YearResolver(options.now)
    this.formats = options.formats ?? FORMATS
    this.sampleSize = Math.max(1, options.sampleSize ?? DETECTION_SAMPLE)
    this.maxRecordLines = Math.max(1, options.maxRecordLines ?? 500)
    this.maxRecordChars = Math.max(1, options.maxRecordChars ?? 1024 * 1024)
    this.warn = limitWarnings(options.onWarning, options.maxWarningsPerKind ?? 5)
    const f = options.format ?? 'auto'
    if (f === 'auto') this.sample = []
    else {
      const format = typeof f === 'string' ? getFormat(f) : f
      this.setFormat({format, confidence: 1, matched: 0, sampled: 0, source: 'explicit', scores: []})
    }
  }

  /** The file's format once known (after the sample in auto mode). */
  get format(): LogFormat | undefined {
    return this.formatValue
  }

  get detection(): FormatDetection | undefined {
    return this.detectionValue
  }

  /** Feeds consecutive lines, the first being line `firstLineId`; completed records go to `out`. */
  push(lines: readonly string[], firstLineId: number, out: LogRecord[] = []): LogRecord[] {
    for (let i = 0; i < lines.length; i++) this.pushLine(lines[i], firstLineId + i, out)
    return out
  }

  pushLine(line: string, lineId: number, out: LogRecord[]): void {
    if (isBlank(line)) {
      this.stats.emptyLines++
      return
    }
    if (this.sample) {
      this.sample.push({line, lineId})
      if (this.sample.length >= this.sampleSize) this.detect(out)
      return
    }
    this.accept(line, lineId, this.formatValue!, out)
  }

  /** True while a record (or a detection sample) waits for the lines after it; finish() emits it. */
  get holding(): boolean {
    return this.pending !== null || (this.sample !== null && this.sample.length > 0) || this.wrapped?.holding === true
  }

  /** Flushes the open record (and, in auto mode with a short input, detects from what was seen). */
  finish(out: LogRecord[] = []): LogRecord[] {
    if (this.sample) this.detect(out)
    if (this.forcedChecked > 0 && this.forcedChecked < FORCED_FORMAT_CHECK && this.formatValue) this.judgeForcedFormat(this.formatValue)
    if (this.pending) this.emit(out)
    this.wrapped?.finish(out)
    return out
  }

  private setFormat(detection: FormatDetection): void {
    this.formatValue = detection.format
    this.detectionValue = detection
    this.options.onFormat?.(detection)
  }

  private detect(out: LogRecord[]): void {
    const sample = this.sample!
    this.sample = null
    this.setFormat(detectFormat(sample.map((s) => s.line), this.formats))
    for (const s of sample) this.accept(s.line, s.lineId, this.formatValue!, out)
  }

  private accept(line: string, lineId: number, format: LogFormat, out: LogRecord[]): void {
    const checking = this.detectionValue?.source === 'explicit' && this.forcedChecked < FORCED_FORMAT_CHECK
    if (checking) this.forcedChecked++
    const inside = format.wrapping?.unwrap(line)
    if (inside) {
      if (checking) this.forcedFit++
      if (this.forcedChecked === FORCED_FORMAT_CHECK && checking) this.judgeForcedFormat(format)
      if (this.pending) this.emit(out)
      this.wrappedLines(format).push(line, inside, lineId, out)
      return
    }
    // A line that wraps nothing: what the wrapped lines held comes first.
    this.wrapped?.finish(out)
    if (format.parseChecksMatch || format.matches(line)) {
      const record = format.parse(line, lineId)
      if (record) {
        if (checking) this.forcedFit++
        if (this.forcedChecked === FORCED_FORMAT_CHECK && checking) this.judgeForcedFormat(format)
        this.open(record, out)
        return
      }
    }
    if (this.forcedChecked === FORCED_FORMAT_CHECK && checking) this.judgeForcedFormat(format)
    const pending = this.pending
    if (pending && continuesRecord(pending.format, line)) {
      if (pending.lineCount < this.maxRecordLines && pending.content.length + line.length < this.maxRecordChars) {
        pending.content += '\n' + trimEnd(line)
        pending.lineCount = lineId - pending.lineId + 1
        this.stats.joinedLines++
        return
      }
      this.warn({
        code: 'record-too-long',
        lineId,
        message: `Record starting at line ${pending.lineId} exceeds ${this.maxRecordLines} lines or ${this.maxRecordChars} characters; line ${lineId} starts a new record.`,
      })
    }
    const other = detectLineFormat(line, format, this.formats)
    if (other.specificity > 0 || other.matches(line)) {
      const record = other.parse(line, lineId)
      if (record) {
        this.stats.reparsedLines++
        this.open(record, out)
        return
      }
    }
    this.stats.unrecognizedLines++
    this.open(parseGeneric(line, lineId), out)
  }

  /** `--format X` on lines that are mostly not X: say so once, with what auto detection would pick. */
  private judgeForcedFormat(format: LogFormat): void {
    const share = this.forcedFit / Math.max(1, this.forcedChecked)
    if (share >= FORCED_FORMAT_MIN_FIT) return
    const percent = Math.round(share * 100)
    this.warn({
      code: 'format-mismatch',
      message: `--format ${format.name} fits only ${this.forcedFit} of the first ${this.forcedChecked} lines (${percent}%); the others were read as other formats or as plain text. Drop --format to detect the format, or pick another (flare parse --help lists them).`,
    })
  }

  private open(record: LogRecord, out: LogRecord[]): void {
    if (this.pending) this.emit(out)
    if (record.timestamp !== undefined) record.timestamp = this.years.resolve(record.timestamp)
    this.pending = record
  }

  private wrappedLines(format: LogFormat): WrappedLines {
    // one per assembler: the file's format is decided once
    if (!this.wrapped) {
      const limits = {maxRecordLines: this.maxRecordLines, maxRecordChars: this.maxRecordChars}
      this.wrapped = new WrappedLines(format as LogFormat & {wrapping: NonNullable<LogFormat['wrapping']>}, limits, this.stats, this.warn, (record, out) => {
        if (record.timestamp !== undefined) record.timestamp = this.years.resolve(record.timestamp)
        out.push(record)
        this.stats.records++
      })
    }
    return this.wrapped
  }

  private emit(out: LogRecord[]): void {
    out.push(this.pending!)
    this.pending = null
    this.stats.records++
  }
}
