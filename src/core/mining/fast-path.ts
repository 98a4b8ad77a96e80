/**
 * The byte-level fast path of `flare parse` (HDFS lines): regions of complete lines go from the
 * read buffer through masking and Drain to CSV bytes without a string per line or per field.
 * Only lines whose bytes can be vouched for take it (see parseHdfsBytes); the caller sends
 * every other region through the string pipeline, so the output is the same either way.
 */
import {levelAt} from '../ingest/formats/format.js'
import {CANONICAL_LEVELS} from '../severity.js'
import {parseHdfsBytes, type HdfsByteFields} from '../ingest/formats/hdfs.js'
import {FastMiner, type FastCluster} from './fast-miner.js'
import {widened} from '../templates/masking/classify.js'
import type {ParamType} from '../templates/masking/index.js'

/** A growable output buffer the fast path writes rows into; `take()` hands out what is full. */
export class ByteOut {
  buf: Buffer
  off = 0
  /** True once a second buffer was needed (a writer given `into` then holds rows elsewhere too). */
  spilled = false
  private full: Buffer[] = []
  /** `into`: the buffer to write into first (a worker's slot of shared memory). */
  constructor(
    private readonly chunk: number,
    into?: Buffer,
  ) {
    this.buf = into ?? Buffer.allocUnsafe(chunk)
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return
    this.spilled = true
    if (this.off > 0) this.full.push(this.buf.subarray(0, this.off))
    this.buf = Buffer.allocUnsafe(Math.max(this.chunk, n))
    this.off = 0
  }

  text(s: string): void {
    this.ensure(s.length * 3)
    this.off += this.buf.write(s, this.off, 'utf8')
  }

  /** Full buffers (and, with `all`, the partial one), oldest first. */
  take(all: boolean): Buffer[] {
    if (all && this.off > 0) {
      this.full.push(this.buf.subarray(0, this.off))
      this.buf = Buffer.allocUnsafe(this.chunk)
      this.off = 0
    }
    const out = this.full
    this.full = []
    return out
  }
}

/** RFC 4180 quoting: only fields holding a quote, comma or line break are quoted. */
export function csvField(value: string): string {
  if (value.indexOf('"') >= 0) return `"${value.replaceAll('"', '""')}"`
  if (value.indexOf(',') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) return `"${value}"`
  return value
}

const PLAIN = /^[^"\\\u0000-\u001f]*$/

/** A parameter value as it goes inside the quoted JSON array of a CSV cell. */
function paramJson(value: string): string {
  return PLAIN.test(value) ? `""${value}""` : JSON.stringify(value).replaceAll('"', '""')
}

/**
 * `,"[""v1"",""v2""]","[""ip"",""number""]"` + newline: the ParameterList and ParameterTypes
 * cells, JSON arrays quoted for CSV.
 */
export function paramLists(params: ReadonlyArray<{value: string; type: string}> | null): string {
  if (params === null || params.length === 0) return ',[],[]\n'
  let values = ''
  let types = ''
  for (let i = 0; i < params.length; i++) {
    const {value, type} = params[i]
    values += i === 0 ? paramJson(value) : `,${paramJson(value)}`
    types += i === 0 ? `""${type}""` : `,""${type}""`
  }
  return `,"[${values}]","[${types}]"\n`
}

/**
 * A constant piece of a row: its bytes followed by eight spare ones, so that put() can copy it in
 * whole eight-byte steps (see there).
 */
interface Piece {
  /** The piece's bytes (a view of `pad`). */
  bytes: Buffer
  n: number
  pad: Buffer
  /** A DataView over `pad`. */
  view: DataView
}

function piece(text: string): Piece {
  const n = Buffer.byteLength(text)
  const pad = Buffer.alloc(n + 8)
  pad.write(text)
  return {bytes: pad.subarray(0, n), n, pad, view: new DataView(pad.buffer, pad.byteOffset, pad.length)}
}

const EMPTY_LISTS = piece(',[],[]\n')

/** Kept on each cluster (FastCluster.rowCache) while its template text stays the same. */
interface TemplateBytes {
  text: string
  /** `,T12,<template as a CSV field>,` */
  head: Piece
  /**
   * The parameter types of the last line written with this template, and the row's tail they
   * make: `]","[""block"",""ip""]"` + newline. Lines of one template nearly always repeat them.
   */
  types: readonly ParamType[]
  typesCell: Piece
}

/** `]","[` + the types as a quoted JSON array + `]"` + newline: the end of a row with parameters. */
function typesCell(types: readonly ParamType[]): Piece {
  let cell = ']","['
  for (let j = 0; j < types.length; j++) cell += j === 0 ? `""${types[j]}""` : `,""${types[j]}""`
  return piece(cell + ']"\n')
}

/**
 * A new template's types until its first row: an empty array of the kind `types.slice()` makes (a
 * `[]` literal has another, and optimised code meeting both kinds is thrown away).
 */
const NO_TYPES: readonly ParamType[] = (['other'] as ParamType[]).slice(1)
const NO_TYPES_CELL = typesCell(NO_TYPES)

/** Level words seen so far: their bytes and normalised names (a handful per file). */
export interface LevelEntry {
  word: Buffer
  level: string
  /** Index of `level` in CANONICAL_LEVELS (what line events carry; see fast-events.ts). */
  code: number
  /** `,LEVEL,` */
  cell: Piece
}

/**
 * Per-line offsets of a region that passed validate(), reused from region to region.
 * Blank lines have lineEnd = -1.
 */
export class RegionLines {
  n = 0
  lineStart = new Int32Array(8192)
  lineEnd = new Int32Array(8192)
  compStart = new Int32Array(8192)
  compEnd = new Int32Array(8192)
  contStart = new Int32Array(8192)
  contEnd = new Int32Array(8192)
  /** 1 when the component holds a quote, comma or CR (the row then goes through strings). */
  compCare = new Uint8Array(8192)
  level: LevelEntry[] = []

  grow(): void {
    const n = this.lineStart.length * 2
    this.lineStart = widened(this.lineStart, n)
    this.lineEnd = widened(this.lineEnd, n)
    this.compStart = widened(this.compStart, n)
    this.compEnd = widened(this.compEnd, n)
    this.contStart = widened(this.contStart, n)
    this.contEnd = widened(this.contEnd, n)
    this.compCare = widened(this.compCare, n)
  }

}

export interface FastStats {
  /** Physical lines, blank ones included. */
  lines: number
  records: number
  blank: number
}

/** True for lines made only of spaces, tabs, CR, VT and FF (the assembler skips them). */
function isBlankBytes(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) return false
  }
  return true
}

export class HdfsFastPath {
  /** The last validate()'s lines (the event writer, fast-events.ts, reads them too). */
  readonly lines = new RegionLines()
  private readonly fields: HdfsByteFields = {levelStart: 0, levelEnd: 0, componentStart: -1, componentEnd: -1, componentCare: false, contentStart: 0, contentEnd: 0}
  private readonly levels: LevelEntry[] = []
  /** The block ids scanBlocks() found: byte ranges of the buffer. */
  blockStart = new Int32Array(16)
  blockEnd = new Int32Array(16)

  constructor(private readonly maxLineBytes: number) {}

  /** The first non-blank line of buf[start, end): true when it is an HDFS line the fast path takes. */
  startsWithRecord(buf: Buffer, start: number, end: number): boolean {
    let ls = start
    while (ls < end) {
      let le = buf.indexOf(10, ls)
      if (le < 0 || le > end) le = end
      const next = le + 1
      if (le > ls && buf[le - 1] === 13) le--
      if (!isBlankBytes(buf, ls, le)) return this.parseLine(buf, ls, le) !== null
      ls = next
    }
    return false
  }

  private parseLine(buf: Buffer, ls: number, le: number): LevelEntry | null {
    if (le - ls > this.maxLineBytes || !parseHdfsBytes(buf, ls, le, this.fields)) return null
    return this.levelEntry(buf, this.fields.levelStart, this.fields.levelEnd)
  }

  private levelEntry(buf: Buffer, a: number, b: number): LevelEntry | null {
    const levels = this.levels
    outer: for (let k = 0; k < levels.length; k++) {
      const w = levels[k].word
      if (w.length !== b - a) continue
      for (let j = 0; j < w.length; j++) if (w[j] !== buf[a + j]) continue outer
      return levels[k]
    }
    const word = buf.latin1Slice(a, b)
    const level = levelAt(word, 0, word.length)
    if (level === undefined || levels.length >= 64) return null
    const entry = {word: Buffer.from(buf.subarray(a, b)), level, code: (CANONICAL_LEVELS as readonly string[]).indexOf(level), cell: piece(`,${level},`)}
    levels.push(entry)
    return entry
  }

  /** Lines (blank ones included) of the last validate() that returned true. */
  get validatedLines(): number {
    return this.lines.n
  }

  /**
   * Splits buf[start, end) into lines and parses each; false (and nothing done) when any
   * non-blank line is not an HDFS line the fast path can take.
   */
  validate(buf: Buffer, start: number, end: number): boolean {
    const L = this.lines
    const f = this.fields
    let n = 0
    let ls = start
    for (;;) {
      let le = buf.indexOf(10, ls)
      if (le < 0 || le > end) le = end
      const next = le + 1
      if (le > ls && buf[le - 1] === 13) le--
      if (n >= L.lineStart.length) L.grow()
      L.lineStart[n] = ls
      if (isBlankBytes(buf, ls, le)) L.lineEnd[n] = -1
      else {
        const level = this.parseLine(buf, ls, le)
        if (level === null) return false
        L.lineEnd[n] = le
        L.compStart[n] = f.componentStart
        L.compEnd[n] = f.componentEnd
        L.contStart[n] = f.contentStart
        L.contEnd[n] = f.contentEnd
        L.compCare[n] = f.componentCare ? 1 : 0
        L.level[n] = level
      }
      n++
      if (next > end) break
      ls = next
    }
    L.n = n
    return true
  }

  /**
   * Mines the lines of the last validate() and writes their CSV rows, LineIds from firstLineId.
   * With `counts`, each cluster met is pushed to `counts` once and its `tally` counts the lines
   * (the caller reads and resets it). With `mine` false (a worker's read-only replica), lines are
   * only looked up: the first line of a shape the replica has not seen stops the region: false.
   */
  write(buf: Buffer, firstLineId: number, miner: FastMiner, out: ByteOut, stats: FastStats, counts?: FastCluster[], mine = counts === undefined): boolean {
    const L = this.lines
    const masker = miner.scanner
    const n = L.n
    this.setId(firstLineId)
    const sv = new DataView(buf.buffer, buf.byteOffset, buf.length)
    let ovFor: Buffer | null = null
    let ov = sv
    for (let k = 0; k < n; k++) {
      const le = L.lineEnd[k]
      if (le < 0) {
        stats.blank++
        continue
      }
      const ls = L.lineStart[k]
      const cs = L.contStart[k]
      const ce = L.contEnd[k]
      let cluster: FastCluster
      if (mine) cluster = miner.addBytes(buf, cs, ce)
      else {
        const found = miner.lookupBytes(buf, cs, ce)
        if (found === null) return false
        cluster = found
      }
      if (counts !== undefined && cluster.tally++ === 0) counts.push(cluster)
      stats.records++
      const np = miner.lastParamRanges(cluster)
      let tb = cluster.rowCache as TemplateBytes | null
      const text = miner.templateOf(cluster)
      if (tb === null || tb.text !== text) {
        cluster.rowCache = tb = {text, head: piece(`,${cluster.templateId},${csvField(text)},`), types: NO_TYPES, typesCell: NO_TYPES_CELL}
      }
      const nb = this.scanBlocks(buf, masker)
      const lineId = firstLineId + k
      if (masker.needsCare || L.compCare[k] === 1) {
        this.writeQuoted(buf, k, lineId, tb, nb, np, masker, out)
        continue
      }
      const head = tb.head
      const level = L.level[k].cell
      out.ensure(3 * (le - ls) + head.n + level.n + 32 * np + 64)
      const o = out.buf
      if (o !== ovFor) {
        ovFor = o
        ov = new DataView(o.buffer, o.byteOffset, o.length)
      }
      while (this.idValue < lineId) this.nextId()
      let p = out.off
      const idStart = 16 - this.idLength
      if (wide && p + 24 <= o.length) {
        // Eight digits per step, as put() does: what a step writes past the id is written over
        // by the row's next bytes.
        for (let d = idStart; d < 16; d += 8) ov.setFloat64(p + d - idStart, this.idView.getFloat64(d, true), true)
        p += this.idLength
      } else for (let d = idStart; d < 16; d++) o[p++] = this.idDigits[d]
      p = put(o, ov, p, head.pad, head.view, 0, head.n)
      p = put(o, ov, p, buf, sv, ls, ls + 13)
      p = put(o, ov, p, level.pad, level.view, 0, level.n)
      if (L.compStart[k] >= 0) p = put(o, ov, p, buf, sv, L.compStart[k], L.compEnd[k])
      o[p++] = 44
      p = put(o, ov, p, buf, sv, cs, ce)
      o[p++] = 44
      for (let b = 0; b < nb; b++) {
        if (b > 0) o[p++] = 32
        p = put(o, ov, p, buf, sv, this.blockStart[b], this.blockEnd[b])
      }
      if (np <= 0) p = put(o, ov, p, EMPTY_LISTS.pad, EMPTY_LISTS.view, 0, EMPTY_LISTS.n)
      else {
        o[p++] = 44
        o[p++] = 34
        o[p++] = 91
        for (let j = 0; j < np; j++) {
          if (j > 0) o[p++] = 44
          o[p++] = 34
          o[p++] = 34
          p = put(o, ov, p, buf, sv, masker.paramStart[j], masker.paramEnd[j])
          o[p++] = 34
          o[p++] = 34
        }
        const types = masker.paramType
        let same = tb.types.length === np
        for (let j = 0; same && j < np; j++) same = tb.types[j] === types[j]
        if (!same) {
          tb.types = types.slice(0, np)
          tb.typesCell = typesCell(tb.types)
        }
        const cell = tb.typesCell
        p = put(o, ov, p, cell.pad, cell.view, 0, cell.n)
      }
      out.off = p
    }
    stats.lines += n
    return true
  }

  /**
   * A row whose text holds quotes, commas or control characters: quoted and escaped through
   * strings. Kept out of write() so its rare branches never disturb the hot loop's optimisation.
   */
  private writeQuoted(buf: Buffer, k: number, lineId: number, tb: TemplateBytes, nb: number, np: number, masker: FastMiner['scanner'], out: ByteOut): void {
    const L = this.lines
    const comp = L.compStart[k] >= 0 ? csvField(buf.utf8Slice(L.compStart[k], L.compEnd[k])) : ''
    let sessions = ''
    for (let b = 0; b < nb; b++) sessions += (b > 0 ? ' ' : '') + buf.latin1Slice(this.blockStart[b], this.blockEnd[b])
    const params: {value: string; type: string}[] = []
    for (let j = 0; j < np; j++) params.push({value: buf.utf8Slice(masker.paramStart[j], masker.paramEnd[j]), type: masker.paramType[j]})
    const ls = L.lineStart[k]
    out.text(`${lineId}${tb.head.bytes.toString()}${buf.latin1Slice(ls, ls + 13)},${L.level[k].level},${comp},${csvField(buf.utf8Slice(L.contStart[k], L.contEnd[k]))},${sessions}${paramLists(params)}`)
  }

  /**
   * Session ids of the line just mined: the distinct blk_ ids of its content, as blockIds() finds
   * them, into blockStart / blockEnd; returns their number. An id lies in one token, which holds a
   * `_` and a digit, so only those tokens (the masker's block tokens) are searched.
   */
  scanBlocks(buf: Buffer, masker: FastMiner['scanner']): number {
    let nb = 0
    for (let t = 0, tn = masker.blockTokens; t < tn; t++) {
      const te = masker.blockTokenEnd(t)
      if (masker.blockTokenWhole(t)) {
        const ts = masker.blockTokenStart(t)
        if (!this.seenBlock(buf, ts, te, nb)) {
          if (nb >= this.blockStart.length) this.growBlocks()
          this.blockStart[nb] = ts
          this.blockEnd[nb] = te
          nb++
        }
        continue
      }
      for (let i = masker.blockTokenStart(t); i + 4 <= te; i++) {
        if (buf[i] !== 98 || buf[i + 1] !== 108 || buf[i + 2] !== 107 || buf[i + 3] !== 95) continue
        let j = i + 4
        if (j < te && buf[j] === 45) j++
        const d = j
        while (j < te && buf[j] >= 48 && buf[j] <= 57) j++
        if (j === d) continue
        if (!this.seenBlock(buf, i, j, nb)) {
          if (nb >= this.blockStart.length) this.growBlocks()
          this.blockStart[nb] = i
          this.blockEnd[nb] = j
          nb++
        }
        i = j - 1
      }
    }
    return nb
  }

  /** The current LineId as ASCII digits, right-aligned in idDigits (incremented, not divided). */
  private readonly idDigits = new Uint8Array(24)
  /** idDigits as a DataView (eight bytes per read; the 8 bytes after the digits are room for that). */
  private readonly idView = new DataView(this.idDigits.buffer)
  private idLength = 1
  private idValue = 0

  private setId(value: number): void {
    const text = String(value)
    this.idLength = text.length
    for (let i = 0; i < text.length; i++) this.idDigits[16 - text.length + i] = text.charCodeAt(i)
    this.idValue = value
  }

  private nextId(): void {
    const d = this.idDigits
    let i = 15
    while (i >= 16 - this.idLength && d[i] === 57) d[i--] = 48
    if (i < 16 - this.idLength) {
      d[i] = 49
      this.idLength++
    } else d[i]++
    this.idValue++
  }

  private seenBlock(buf: Buffer, a: number, b: number, nb: number): boolean {
    outer: for (let k = 0; k < nb; k++) {
      const s = this.blockStart[k]
      if (this.blockEnd[k] - s !== b - a) continue
      for (let j = 0; j < b - a; j++) if (buf[s + j] !== buf[a + j]) continue outer
      return true
    }
    return false
  }

  private growBlocks(): void {
    this.blockStart = widened(this.blockStart, this.blockStart.length * 2)
    this.blockEnd = widened(this.blockEnd, this.blockEnd.length * 2)
  }

}

/**
 * Eight bytes per step in put() (through float64 reads and writes), once wideCopiesExact() has
 * shown that they move every bit pattern unchanged; four bytes per step otherwise.
 */
let wide = false

/**
 * Copies src[a, b) to o[p] and returns the new position; ov and sv are DataViews over exactly o
 * and src. Eight or four bytes per step through the DataViews: Buffer#copy's argument handling
 * costs more than the copy for the short fields of a row, and a byte loop is four times slower.
 * A float64 read and write copy any 8 bytes, NaN patterns included, on V8 as it is (checked for
 * the thread by wideCopiesExact(), since the language allows NaNs to be rewritten). The rows' bytes
 * could not be harmed even then: they are valid UTF-8, and 8 bytes of valid UTF-8 never read as a
 * NaN or an infinity (that takes a byte >= 0xF0 followed by 0x7F or 0xFF).
 */
function put(o: Buffer, ov: DataView, p: number, src: Buffer, sv: DataView, a: number, b: number): number {
  if (b - a > 512) {
    o.set(src.subarray(a, b), p)
    return p + b - a
  }
  const end = p + b - a
  if (wide && b + 8 <= src.length && end + 8 <= o.length) {
    // Whole steps only: the last one reads up to 7 bytes past the field and writes them past its
    // end, where the row's next bytes go (every caller writes on from the returned position; the
    // bytes after a region's last row are not part of its output). One step instead of a tail of
    // up to seven single bytes.
    for (let i = a; i < b; i += 8, p += 8) ov.setFloat64(p, sv.getFloat64(i, true), true)
    return end
  }
  let i = a
  if (wide) for (; i + 8 <= b; i += 8, p += 8) ov.setFloat64(p, sv.getFloat64(i, true), true)
  for (; i + 4 <= b; i += 4, p += 4) ov.setUint32(p, sv.getUint32(i, true), true)
  for (; i < b; i++) o[p++] = src[i]
  return p
}

/**
 * True when put() copies, eight bytes at a time, every kind of float64 bit pattern unchanged:
 * quiet and signalling NaNs with payloads, infinities, zeros, subnormals. Run after the warm-up,
 * when put() is optimised as the rows will use it; it turns the eight-byte steps on or off.
 */
export function wideCopiesExact(shared: boolean): boolean {
  const words = [0x7ff0000000000001n, 0x7ff4000000000abcn, 0x7ff8000000000000n, 0x7fffffffffffffffn, 0xfff0000000000001n, 0xfffc0000dead0000n, 0x7ff0000000000000n, 0x8000000000000000n, 0x0000000000000001n, 0x000fffffffffffffn, 0x3ff0000000000000n]
  // In the kind of memory the rows use (see scratchOut), so put() runs as it does for them. Seven
  // bytes after the words, and no spare bytes after them: the copy takes put()'s exact path, with
  // its four-byte and one-byte steps (a row takes it at the end of a region; left out here, they
  // would have no type feedback when that first happens, and put() would be thrown away).
  const src = scratchOut(words.length * 8 + 3 + 7, shared)
  for (let k = 0; k < words.length; k++) src.writeBigUInt64LE(words[k], 3 + 8 * k)
  for (let k = src.length - 7; k < src.length; k++) src[k] = 0xa0 + k
  const out = scratchOut(src.length + 5, shared)
  const sv = new DataView(src.buffer, src.byteOffset, src.length)
  const ov = new DataView(out.buffer, out.byteOffset, out.length)
  wide = true
  let exact = true
  for (let round = 0; round < 200 && exact; round++) {
    out.fill(0)
    put(out, ov, 5, src, sv, 3, src.length)
    exact = out.subarray(5, 5 + src.length - 3).equals(src.subarray(3))
  }
  wide = exact
  return exact
}

/**
 * Room for a warm-up's rows, in the kind of memory the real rows go to: a worker writes into
 * shared memory, and typed arrays over a SharedArrayBuffer have maps of their own (code optimised
 * for one kind is thrown away when the other shows up).
 */
export function scratchOut(size: number, shared: boolean): Buffer {
  return shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size)
}
