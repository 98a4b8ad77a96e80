import {isUtf8} from 'node:buffer'
import type {IngestWarning} from './warning.js'

/**
 * Complete lines buf[start, end) (the final newline excluded). `carried`: one line assembled from
 * several chunks, already cut to the line limit when `truncated`.
 */
export interface ByteRegion {
  buf: Buffer
  start: number
  end: number
  carried: boolean
  truncated: boolean
  /**
   * Where buf[start] lies in the input file, when these bytes are the file's own bytes there (a
   * plain file read as it is, not a carried line): another thread can then read them itself.
   */
  offset?: number
  /**
   * Set when buf is a reusable read buffer (see ChunkRing in reader.ts): the buffer is not read
   * into again until every region on it was released with releaseRegion().
   */
  lease?: {count: number}
}

/** The consumer is done with a region's bytes (see ByteRegion.lease); a no-op for other regions. */
export function releaseRegion(region: ByteRegion): void {
  if (region.lease !== undefined) {
    region.lease.count--
    region.lease = undefined
  }
}

/** A second region on the same bytes as `region` (a split): it holds a lease of its own. */
export function sharedRegion(region: ByteRegion, start: number, end: number, offset: number | undefined): ByteRegion {
  if (region.lease !== undefined) region.lease.count++
  return {buf: region.buf, start, end, carried: region.carried, truncated: region.truncated, offset, lease: region.lease}
}

/** Offset of the n-th newline in buf[start, end) (n >= 1), or -1 when there are fewer. */
export function nthNewline(buf: Buffer, start: number, end: number, n: number): number {
  let p = start - 1
  for (let k = 0; k < n; k++) {
    p = buf.indexOf(10, p + 1)
    if (p < 0 || p >= end) return -1
  }
  return p
}

/** Lines in a region minus one (its newlines). */
export function countNewlines(region: ByteRegion): number {
  let n = 0
  let p = region.buf.indexOf(10, region.start)
  while (p >= 0 && p < region.end) {
    n++
    p = region.buf.indexOf(10, p + 1)
  }
  return n
}

/** The counters LineSplitter updates (a subset of ReaderStats). */
export interface SplitterStats {
  lines: number
  truncatedLines: number
  invalidUtf8Lines: number
}

/**
 * Splits byte chunks into lines. Newlines are found on bytes and each chunk's run of complete
 * lines is decoded in one call: a newline byte never occurs inside a UTF-8 sequence, so chunk
 * boundaries can't split a character. A partial line is carried over, capped at maxLine bytes.
 * Line ends are LF, CRLF, or a lone CR (old Mac files), which is turned into LF before anything
 * looks at the bytes, so every consumer of the regions sees LF or CRLF only.
 */
export class LineSplitter {
  private carry: Buffer[] = []
  private carryBytes = 0
  private carryTruncated = false
  /** The last chunk ended with a CR: the next chunk's first byte says whether it was a CRLF. */
  private pendingCR = false
  private readonly maxChars: number
  private readonly secrets: Buffer[]

  /** `secrets`: configured keys and passwords, replaced by `<redacted>` wherever a line holds one. */
  constructor(
    private readonly maxLine: number,
    private readonly stats: SplitterStats,
    private readonly warn: (w: IngestWarning) => void,
    secrets: readonly string[] = [],
  ) {
    this.secrets = secrets.filter((x) => x.length > 0).map((x) => Buffer.from(x, 'utf8'))
    // A string of n UTF-16 units encodes to at most 3n bytes; only longer ones need measuring.
    this.maxChars = Math.floor(maxLine / 3)
  }

  push(chunk: Buffer, out: string[]): void {
    const regions: ByteRegion[] = []
    this.pushRegions(chunk, regions)
    for (const region of regions) this.decode(region, out)
  }

  end(out: string[]): void {
    const regions: ByteRegion[] = []
    this.endRegions(regions)
    for (const region of regions) this.decode(region, out)
  }

  /**
   * Byte mode: hands out regions of complete lines without decoding them (push() is this plus
   * decode()). The consumer either decodes a region with decode() (which counts its lines and
   * warns) or handles the bytes itself and reports its line count with countLines().
   */
  pushRegions(chunk: Buffer, out: ByteRegion[], chunkOffset?: number): void {
    if (chunk.length === 0) return
    if (this.pendingCR) {
      this.pendingCR = false
      // Not a CRLF after all: that CR ended the carried line (it still ends with the CR, which
      // decoding strips as it strips the CR of a CRLF).
      if (chunk[0] !== 10) out.push(this.carryRegion())
    }
    const clean = redact(loneCRsToLF(chunk), this.secrets)
    if (clean !== chunk) {
      chunk = clean
      // The bytes are no longer the file's: another thread must not read them from it.
      chunkOffset = undefined
    }
    this.pendingCR = chunk[chunk.length - 1] === 13
    let start = 0
    if (this.carryBytes > 0 || this.carryTruncated) {
      const nl = chunk.indexOf(10)
      if (nl < 0) {
        this.appendCarry(chunk)
        return
      }
      this.appendCarry(chunk.subarray(0, nl))
      out.push(this.carryRegion())
      start = nl + 1
    }
    const last = chunk.lastIndexOf(10)
    if (last >= start) {
      out.push({buf: chunk, start, end: last, carried: false, truncated: false, offset: chunkOffset === undefined ? undefined : chunkOffset + start})
      start = last + 1
    }
    if (start < chunk.length) this.appendCarry(chunk.subarray(start))
  }

  endRegions(out: ByteRegion[]): void {
    if (this.carryBytes > 0 || this.carryTruncated) out.push(this.carryRegion())
  }

  private carryRegion(): ByteRegion {
    // A secret cut in two by a chunk boundary is whole again here.
    const buf = redact(this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry, this.carryBytes), this.secrets)
    const truncated = this.carryTruncated
    this.carry = []
    this.carryBytes = 0
    this.carryTruncated = false
    return {buf, start: 0, end: buf.length, carried: true, truncated}
  }

  /** Decodes a region from pushRegions() into lines, as push() would have. */
  decode(region: ByteRegion, out: string[]): void {
    // Not through the carry: by now it may hold the start of a later line.
    if (region.carried) this.emitLine(region.buf.subarray(region.start, region.end), region.truncated, out)
    else this.emitRegion(region.buf, region.start, region.end, out)
  }

  /** Counts lines the consumer handled itself from a region. */
  countLines(n: number): void {
    this.stats.lines += n
  }

  /** Longest line (bytes) a region handled outside decode() may hold without truncation. */
  get maxLineBytes(): number {
    return this.maxLine
  }

  private appendCarry(piece: Buffer): void {
    if (this.carryTruncated) return
    const room = this.maxLine - this.carryBytes
    if (piece.length <= room) {
      // Copy: the chunk it points into is otherwise retained until the line completes.
      if (piece.length > 0) {
        this.carry.push(Buffer.from(piece))
        this.carryBytes += piece.length
      }
      return
    }
    const cut = charBoundary(piece, room)
    if (cut > 0) {
      this.carry.push(Buffer.from(piece.subarray(0, cut)))
      this.carryBytes += cut
    }
    this.carryTruncated = true
  }

  /** Decodes one line assembled from several chunks (the carry), with its warnings. */
  private emitLine(buf: Buffer, truncated: boolean, out: string[]): void {
    const lineId = this.stats.lines + 1
    let end = buf.length
    if (!truncated && end > 0 && buf[end - 1] === 13) end--
    const view = buf.subarray(0, end)
    if (!isUtf8(view)) this.invalid(lineId)
    if (truncated) this.truncated(lineId)
    out.push(view.toString('utf8'))
    this.stats.lines++
  }

  private emitRegion(chunk: Buffer, start: number, end: number, out: string[]): void {
    const lines = chunk.toString('utf8', start, end).split('\n')
    const firstId = this.stats.lines + 1
    const n = lines.length
    const maxChars = this.maxChars
    for (let i = 0; i < n; i++) {
      let line = lines[i]
      const len = line.length
      if (len > 0 && line.charCodeAt(len - 1) === 13) line = line.slice(0, len - 1)
      if (len > maxChars) line = this.limit(line, firstId + i)
      out.push(line)
    }
    this.stats.lines += n
    const region = chunk.subarray(start, end)
    if (!isUtf8(region)) this.countInvalid(region, firstId)
  }

  /** Cuts a line decoded from one chunk (possible only when maxLine is below the chunk size). */
  private limit(line: string, lineId: number): string {
    const bytes = Buffer.from(line, 'utf8')
    if (bytes.length <= this.maxLine) return line
    this.truncated(lineId)
    return bytes.toString('utf8', 0, charBoundary(bytes, this.maxLine))
  }

  private countInvalid(region: Buffer, firstId: number): void {
    let start = 0
    let id = firstId
    for (;;) {
      const nl = region.indexOf(10, start)
      const end = nl < 0 ? region.length : nl
      if (!isUtf8(region.subarray(start, end))) this.invalid(id)
      if (nl < 0) return
      start = nl + 1
      id++
    }
  }

  private invalid(lineId: number): void {
    this.stats.invalidUtf8Lines++
    this.warn({code: 'invalid-utf8', lineId, message: `Line ${lineId} is not valid UTF-8; bad bytes were replaced with U+FFFD.`})
  }

  private truncated(lineId: number): void {
    this.stats.truncatedLines++
    this.warn({code: 'line-truncated', lineId, message: `Line ${lineId} is longer than ${this.maxLine} bytes and was truncated.`})
  }
}

/**
 * `chunk` with each lone CR (one not followed by LF) turned into LF, in a copy; `chunk` itself
 * when it has none. A CR ending the chunk is left as it is: the next chunk decides.
 */
function loneCRsToLF(chunk: Buffer): Buffer {
  let out: Buffer | undefined
  const last = chunk.length - 1
  for (let p = chunk.indexOf(13); p >= 0 && p < last; p = chunk.indexOf(13, p + 1)) {
    if (chunk[p + 1] === 10) continue
    out ??= Buffer.from(chunk)
    out[p] = 10
  }
  return out ?? chunk
}

const REDACTED = Buffer.from('<redacted>')

/**
 * `buf` with every occurrence of each secret replaced by `<redacted>` (a new buffer); `buf` itself
 * when it holds none. Done on the bytes as they are read, so that nothing Flare writes from a
 * line (CSV, templates, results, samples) can carry a configured key.
 */
function redact(buf: Buffer, secrets: readonly Buffer[]): Buffer {
  let out = buf
  for (const secret of secrets) {
    let at = out.indexOf(secret)
    if (at < 0) continue
    const parts: Buffer[] = []
    let from = 0
    while (at >= 0) {
      parts.push(out.subarray(from, at), REDACTED)
      from = at + secret.length
      at = out.indexOf(secret, from)
    }
    parts.push(out.subarray(from))
    out = Buffer.concat(parts)
  }
  return out
}

/** The largest cut <= max that does not split a UTF-8 sequence. */
function charBoundary(buf: Buffer, max: number): number {
  if (max >= buf.length) return buf.length
  let cut = max
  // Step back over continuation bytes (10xxxxxx) to the start of the character.
  while (cut > 0 && cut > max - 4 && (buf[cut] & 0xc0) === 0x80) cut--
  return cut
}
