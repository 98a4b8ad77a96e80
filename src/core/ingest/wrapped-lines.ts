import type {LogRecord} from './record.js'
import type {LogFormat, LineWrapping, WrappedLine} from './formats/format.js'
import {accessFormat} from './formats/access.js'
import {parseGeneric} from './formats/generic.js'
import {continuesRecord, isContinuationLine} from './continuation.js'
import type {IngestWarning} from './warning.js'

/**
 * Records held at most while an earlier one waits for its stream's next line: past this, the
 * earliest is let go (a quiet stream's record then takes no more lines), so one quiet stream does
 * not hold back the other's records without bound.
 */
const MAX_HELD = 64

/** A record (or a line still arriving in parts) held, in the order of its first line. */
interface Held {
  stream: string
  lineId: number
  /** Its physical lines so far, in order (another stream's may lie between them). */
  ids: number[]
  /** Blank lines of its stream since its last line: its own once a continuation line follows them. */
  blanks?: number[]
  /** The record once its line is whole; null while parts arrive. */
  record: LogRecord | null
  /** The first part's physical line (for a line in parts, rewrapped around the joined text). */
  firstLine: string
  /** The parts so far of a line in parts, and their length. */
  parts: string[] | null
  chars?: number
  /** What the program wrote on the record's first line (decides which lines may continue it). */
  firstText: string
  kind?: string
  /** Still takes continuation lines (the stream's last record). */
  open: boolean
  /** Joined into the record before it: emits nothing. */
  dropped: boolean
}

export interface WrappedLimits {
  maxRecordLines: number
  maxRecordChars: number
}

export interface WrappedStats {
  emptyLines: number
  joinedLines: number
}

/**
 * Joins the lines of a wrapping format (container logs: formats/format.ts LineWrapping) into
 * records, per stream (stdout, stderr): the parts of a line the runtime split are concatenated and
 * the whole line parsed as one; a line that continues the stream's last record by the rules of a
 * plain-text line (continuesRecord: a stack frame, `Caused by:`, `Traceback (...)`; after a JSON
 * or access line inside, only indented lines) is joined to it with "\n", as the assembler joins
 * plain text. A record's lineId is its first physical line and lineCount the lines up to its last
 * one. Records leave in the order of their first lines, each once its stream has moved on.
 */
export class WrappedLines {
  private readonly held: Held[] = []
  /** Per stream: the last record, which may still be continued, and the line arriving in parts. */
  private readonly last = new Map<string, Held>()
  private readonly partial = new Map<string, Held>()

  constructor(
    private readonly format: LogFormat & {wrapping: LineWrapping},
    private readonly limits: WrappedLimits,
    private readonly stats: WrappedStats,
    private readonly warn: (w: IngestWarning) => void,
    private readonly emit: (record: LogRecord, out: LogRecord[]) => void,
  ) {}

  /** True while a record or a part waits for lines after it. */
  get holding(): boolean {
    return this.held.length > 0
  }

  push(line: string, wrapped: WrappedLine, lineId: number, out: LogRecord[]): void {
    const {stream} = wrapped
    const parts = this.partial.get(stream)
    if (parts) {
      parts.parts!.push(wrapped.text)
      parts.ids.push(lineId)
      this.stats.joinedLines++
      parts.chars! += wrapped.text.length
      // (a line in more parts than a record has lines, or longer than a record, is let go as it is)
      if (!wrapped.partial || parts.chars! >= this.limits.maxRecordChars || parts.parts!.length >= this.limits.maxRecordLines) this.complete(parts)
    } else if (wrapped.partial) {
      const h: Held = {stream, lineId, ids: [lineId], record: null, firstLine: line, parts: [wrapped.text], chars: wrapped.text.length, firstText: '', open: true, dropped: false}
      this.held.push(h)
      this.partial.set(stream, h)
    } else this.whole(stream, line, wrapped.text, [lineId], null)
    this.release(out)
  }

  /** Emits everything held, a line still in parts as what arrived of it. */
  finish(out: LogRecord[]): void {
    for (const h of [...this.partial.values()]) this.complete(h)
    for (const h of this.held) h.open = false
    this.last.clear()
    this.release(out)
  }

  private complete(h: Held): void {
    this.partial.delete(h.stream)
    const text = h.parts!.join('')
    h.parts = null
    this.whole(h.stream, this.format.wrapping.rewrap(h.firstLine, text), text, h.ids, h)
  }

  /** A whole line `text` of `stream` (physical lines `ids`), in `slot` when it came in parts. */
  private whole(stream: string, line: string, text: string, ids: number[], slot: Held | null): void {
    const lineId = ids[0]
    if (isBlank(text)) {
      this.stats.emptyLines++
      if (slot) slot.dropped = true
      // (as in plain text, a blank line is the record's when a line after it continues the record)
      const open = this.last.get(stream)
      if (open) (open.blanks ??= []).push(...ids)
      return
    }
    const last = this.last.get(stream)
    if (last && this.continues(last, text)) {
      const record = last.record!
      if (record.lineCount < this.limits.maxRecordLines && record.content.length + text.length < this.limits.maxRecordChars) {
        record.content += '\n' + trimEnd(text)
        last.ids.push(...(last.blanks ?? []), ...ids)
        last.blanks = undefined
        setLines(record, last.ids)
        this.stats.joinedLines++
        if (slot) slot.dropped = true
        return
      }
      this.warn({
        code: 'record-too-long',
        lineId,
        message: `Record starting at line ${record.lineId} exceeds ${this.limits.maxRecordLines} lines or ${this.limits.maxRecordChars} characters; line ${lineId} starts a new record.`,
      })
    }
    const record = this.format.parse(line, lineId) ?? parseGeneric(text, lineId, this.format.name)
    setLines(record, ids)
    if (last) last.open = false
    const h: Held = slot ?? {stream, lineId, ids, record: null, firstLine: line, parts: null, firstText: '', open: true, dropped: false}
    h.record = record
    h.firstText = text
    h.open = true
    if (!slot) this.held.push(h)
    this.last.set(stream, h)
  }

  /** Whether `text` continues `h`'s record: the rules of a plain-text line after a record of what `h` wrapped. */
  private continues(h: Held, text: string): boolean {
    const c = text.charCodeAt(0)
    if (c !== 32 && c !== 9 && !isContinuationLine(text)) return false
    h.kind ??= innerKind(h.firstText)
    return continuesRecord(h.kind, text)
  }

  /** Emits the held records from the first up to one still open (or in parts); lets go of the first past MAX_HELD. */
  private release(out: LogRecord[]): void {
    const held = this.held
    let i = 0
    while (i < held.length) {
      const h = held[i]
      if (h.record === null && !h.dropped) {
        if (held.length - i <= MAX_HELD) break
        this.complete(h)
        // complete() may have joined it to an earlier record, or made it the stream's last
        if (h.dropped) {
          i++
          continue
        }
      }
      if (h.open && !h.dropped) {
        if (held.length - i <= MAX_HELD) break
        h.open = false
        if (this.last.get(h.stream) === h) this.last.delete(h.stream)
      }
      if (!h.dropped) this.emit(h.record!, out)
      i++
    }
    if (i > 0) held.splice(0, i)
  }
}

/** The record holds the physical lines `ids` (ascending): lineCount, and lineIds when another stream's lie between them. */
function setLines(record: LogRecord, ids: readonly number[]): void {
  record.lineCount = ids.length
  if (ids[ids.length - 1] - ids[0] + 1 === ids.length) delete record.lineIds
  else record.lineIds = [...ids]
}

/** What a program wrote, as a format of its own for continuesRecord: a JSON object or an access line is one whole event. */
function innerKind(text: string): string {
  const t = text.trim()
  if (t.startsWith('{') && t.endsWith('}')) {
    try {
      const v: unknown = JSON.parse(t)
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return 'jsonl'
    } catch {
      // plain text
    }
  }
  return accessFormat.matches(text) ? 'access' : 'plain'
}

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) return false
  }
  return true
}

export function trimEnd(line: string): string {
  let e = line.length
  while (e > 0 && line.charCodeAt(e - 1) <= 32) e--
  return e === line.length ? line : line.slice(0, e)
}
