import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {isUtf8} from 'node:buffer'
import {Readable, pipeline} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {ExitCode, FlareError} from '../errors.js'
import {limitWarnings, type IngestWarning} from './warning.js'

export interface LineReaderOptions {
  /** Lines per yielded batch (the last batch may be shorter). Default 4096. */
  batchSize?: number
  /** Longer lines are cut to this many bytes (on a character boundary) and counted. Default 1 MiB. */
  maxLineBytes?: number
  /** Called for the first few warnings of each kind; exact counts are in `stats`. */
  onWarning?: (warning: IngestWarning) => void
  /** Warnings forwarded per kind before they are summarised. Default 5. */
  maxWarningsPerKind?: number
  /** Stops reading; the generator then throws the signal's reason. */
  signal?: AbortSignal
  /** Stream read for the input `-` (default: process.stdin). */
  stdin?: Readable
  /** Read size from files. Default 1 MiB. */
  chunkBytes?: number
}

export interface ReaderStats {
  /** The path, or `<stdin>` / `<stream>`. */
  source: string
  /** Physical lines yielded so far (empty lines included). */
  lines: number
  /** Bytes consumed from the source: compressed bytes for gzip input. Compare with totalBytes. */
  bytesRead: number
  /** Size of the source when known (regular files), for progress bars. */
  totalBytes?: number
  /** Bytes of text after decompression. */
  decodedBytes: number
  /** Lines cut to maxLineBytes. */
  truncatedLines: number
  /** Lines that held invalid UTF-8, decoded with U+FFFD in place of the bad bytes. */
  invalidUtf8Lines: number
  /** True when the input was gzip-compressed. */
  compressed: boolean
  /** True once the input has been read to the end. */
  done: boolean
}

export interface LineReader {
  readonly stats: Readonly<ReaderStats>
  /** Batches of lines without their terminators (LF or CRLF). Can be iterated once. */
  batches(): AsyncGenerator<string[], void, undefined>
}

const DEFAULT_BATCH = 4096
const DEFAULT_MAX_LINE = 1024 * 1024
const DEFAULT_CHUNK = 1024 * 1024
const SNIFF_BYTES = 8192
const MAGIC_BYTES = 6

/** Streams lines from a path, a gzip file (detected by its magic bytes), `-` (stdin) or a Readable. */
export function createLineReader(input: string | Readable, options: LineReaderOptions = {}): LineReader {
  const source = typeof input === 'string' ? (input === '-' ? '<stdin>' : input) : '<stream>'
  const stats: ReaderStats = {
    source,
    lines: 0,
    bytesRead: 0,
    decodedBytes: 0,
    truncatedLines: 0,
    invalidUtf8Lines: 0,
    compressed: false,
    done: false,
  }
  let used = false
  return {
    stats,
    batches() {
      if (used) throw new Error('LineReader.batches() can be called once')
      used = true
      return readBatches(input, options, stats)
    },
  }
}

/** Shorthand for `createLineReader(input, options).batches()` when the stats are not needed. */
export function readLineBatches(input: string | Readable, options: LineReaderOptions = {}): AsyncGenerator<string[], void, undefined> {
  return createLineReader(input, options).batches()
}

async function* readBatches(input: string | Readable, options: LineReaderOptions, stats: ReaderStats): AsyncGenerator<string[], void, undefined> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH)
  const maxLine = Math.max(16, options.maxLineBytes ?? DEFAULT_MAX_LINE)
  const warn = limitWarnings(options.onWarning, options.maxWarningsPerKind ?? 5)
  const signal = options.signal
  signal?.throwIfAborted()

  const raw = await openSource(input, options, stats)
  const splitter = new LineSplitter(maxLine, stats, warn)
  let batch: string[] = []
  for await (const chunk of decodedChunks(raw, stats)) {
    signal?.throwIfAborted()
    stats.decodedBytes += chunk.length
    splitter.push(chunk, batch)
    while (batch.length >= batchSize) {
      if (batch.length === batchSize) {
        const full = batch
        batch = []
        yield full
      } else {
        const full = batch.slice(0, batchSize)
        batch = batch.slice(batchSize)
        yield full
      }
    }
  }
  splitter.end(batch)
  while (batch.length > 0) {
    const out = batch.length > batchSize ? batch.slice(0, batchSize) : batch
    batch = batch.length > batchSize ? batch.slice(batchSize) : []
    yield out
  }
  stats.done = true
}

async function openSource(input: string | Readable, options: LineReaderOptions, stats: ReaderStats): Promise<Readable> {
  if (typeof input !== 'string') return input
  if (input === '-') {
    if (options.stdin) return options.stdin
    if (process.stdin.isTTY)
      throw new FlareError('Nothing to read: standard input is a terminal, not a pipe.', {
        exitCode: ExitCode.badInput,
        hint: 'Pipe a log in (cat app.log | flare ... -, or kubectl logs pod | flare ... -), or pass a file path instead of -.',
      })
    return process.stdin
  }
  let info
  try {
    info = await stat(input)
  } catch (error) {
    throw fileError(error, input)
  }
  if (info.isDirectory())
    throw new FlareError(`${input} is a directory, not a log file.`, {
      exitCode: ExitCode.badInput,
      hint: `Pass one file inside it (for example ${input.replace(/\/$/, '')}/app.log), or concatenate several: cat ${input.replace(/\/$/, '')}/*.log | flare ... -`,
    })
  if (info.isFile()) stats.totalBytes = info.size
  return createReadStream(input, {highWaterMark: options.chunkBytes ?? DEFAULT_CHUNK})
}

function fileError(error: unknown, path: string): FlareError {
  const code = (error as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT')
    return new FlareError(`No such file: ${path}`, {
      exitCode: ExitCode.badInput,
      hint: 'Check the path (it is relative to the current directory), or pass - to read standard input.',
      cause: error,
    })
  if (code === 'EACCES' || code === 'EPERM')
    return new FlareError(`Permission denied reading ${path}`, {
      exitCode: ExitCode.badInput,
      hint: `Check the file's permissions (ls -l ${path}), or run as a user who can read it.`,
      cause: error,
    })
  if (code === 'EISDIR')
    return new FlareError(`${path} is a directory, not a log file.`, {exitCode: ExitCode.badInput, hint: 'Pass one file inside it.', cause: error})
  return new FlareError(`Cannot read ${path}: ${(error as Error)?.message ?? String(error)}`, {
    exitCode: ExitCode.badInput,
    hint: 'Check that the path names a readable file.',
    cause: error,
  })
}

/** Raw chunks from the source, decompressed when they start with the gzip magic bytes. */
async function* decodedChunks(raw: Readable, stats: ReaderStats): AsyncGenerator<Buffer, void, undefined> {
  const it = counted(raw, stats)[Symbol.asyncIterator]()
  // Gather enough bytes for the magic numbers (a pipe may deliver a few bytes at a time); no
  // more, so a live pipe is not held back waiting for a full sniff window.
  const head: Buffer[] = []
  let headLength = 0
  let ended = false
  while (headLength < MAGIC_BYTES) {
    const next = await it.next()
    if (next.done) {
      ended = true
      break
    }
    head.push(next.value)
    headLength += next.value.length
  }
  if (headLength === 0) return
  let first = head.length === 1 ? head[0] : Buffer.concat(head, headLength)
  refuseArchives(first, stats.source)

  if (first[0] === 0x1f && first[1] === 0x8b) {
    stats.compressed = true
    const gunzip = createGunzip()
    const rest = ended ? undefined : it
    pipeline(Readable.from(prepend(first, rest)), gunzip, () => {})
    const sniffer = new TextSniffer(stats.source + ' (after gunzip)')
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield sniffer.check(chunk)
    } catch (error) {
      if (error instanceof FlareError) throw error
      const code = (error as NodeJS.ErrnoException)?.code
      if (typeof code === 'string' && code.startsWith('Z_'))
        throw new FlareError(`${stats.source} starts like a gzip file but could not be decompressed (${(error as Error).message}).`, {
          exitCode: ExitCode.badInput,
          hint: 'The file may be truncated or corrupt; check it with `gzip -t`.',
          cause: error,
        })
      throw wrapStreamError(error, stats.source)
    } finally {
      gunzip.destroy()
    }
    return
  }

  const sniffer = new TextSniffer(stats.source)
  yield sniffer.check(first)
  if (ended) return
  for (;;) {
    const next = await it.next()
    if (next.done) return
    yield sniffer.check(next.value)
  }
}

async function* counted(raw: Readable, stats: ReaderStats): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of raw as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      stats.bytesRead += buf.length
      yield buf
    }
  } catch (error) {
    throw wrapStreamError(error, stats.source)
  }
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer> | undefined): AsyncGenerator<Buffer, void, undefined> {
  yield first
  if (!rest) return
  for (;;) {
    const next = await rest.next()
    if (next.done) return
    yield next.value
  }
}

function wrapStreamError(error: unknown, source: string): unknown {
  if (error instanceof FlareError) return error
  if ((error as Error)?.name === 'AbortError') return error
  if (typeof (error as NodeJS.ErrnoException)?.code === 'string' && (error as NodeJS.ErrnoException).syscall) return fileError(error, source)
  return error
}

const ARCHIVES: Array<[number[], string, string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive', 'unzip -p FILE | flare ... -'],
  [[0x42, 0x5a, 0x68], 'a bzip2 file', 'bzcat FILE | flare ... -'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz file', 'xzcat FILE | flare ... -'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd file', 'zstdcat FILE | flare ... -'],
]

function refuseArchives(head: Buffer, source: string): void {
  for (const [magic, what, how] of ARCHIVES) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b))
      throw new FlareError(`${source} is ${what}; Flare reads plain text and gzip only.`, {exitCode: ExitCode.badInput, hint: `Decompress it on the fly: ${how}`})
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    throw new FlareError(`${source} is UTF-16 text; Flare reads UTF-8.`, {
      exitCode: ExitCode.badInput,
      hint: 'Convert it first: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8',
    })
}

/**
 * Refuses binary input from its first 8 KiB (gathered across chunks: a pipe may deliver a few
 * bytes at a time): any NUL, or more than 10% control characters other than tab, CR, LF, FF, VT
 * and ESC (ANSI colours are fine). Strips a UTF-8 byte-order mark from the first chunk.
 */
class TextSniffer {
  private seen = 0
  private control = 0

  constructor(private readonly source: string) {}

  check(chunk: Buffer): Buffer {
    if (this.seen >= SNIFF_BYTES) return chunk
    const first = this.seen === 0
    if (first) refuseArchives(chunk, this.source)
    const n = Math.min(chunk.length, SNIFF_BYTES - this.seen)
    for (let i = 0; i < n; i++) {
      const b = chunk[i]
      if (b === 0)
        throw new FlareError(`${this.source} looks like binary data, not a text log (it contains NUL bytes).`, {
          exitCode: ExitCode.badInput,
          hint: 'Pass a plain-text or gzip-compressed log file. For UTF-16 logs, convert with iconv -f UTF-16 -t UTF-8.',
        })
      if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 11 && b !== 0x1b) || b === 0x7f) this.control++
    }
    this.seen += n
    // Judge the ratio once enough bytes are in (or at the first chunk of a short input).
    if (this.seen >= 64 || this.seen >= SNIFF_BYTES || first) {
      if (this.seen >= 16 && this.control / this.seen > 0.1)
        throw new FlareError(`${this.source} looks like binary data, not a text log (${Math.round((100 * this.control) / this.seen)}% control characters).`, {
          exitCode: ExitCode.badInput,
          hint: 'Pass a plain-text or gzip-compressed log file.',
        })
    }
    if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3)
    return chunk
  }
}

/**
 * Splits byte chunks into lines. Newlines are found on bytes and each chunk's run of complete
 * lines is decoded in one call: a newline byte never occurs inside a UTF-8 sequence, so chunk
 * boundaries can't split a character. A partial line is carried over, capped at maxLine bytes.
 */
class LineSplitter {
  private carry: Buffer[] = []
  private carryBytes = 0
  private carryTruncated = false
  private readonly maxChars: number

  constructor(
    private readonly maxLine: number,
    private readonly stats: ReaderStats,
    private readonly warn: (w: IngestWarning) => void,
  ) {
    // A string of n UTF-16 units encodes to at most 3n bytes; only longer ones need measuring.
    this.maxChars = Math.floor(maxLine / 3)
  }

  push(chunk: Buffer, out: string[]): void {
    let start = 0
    if (this.carryBytes > 0 || this.carryTruncated) {
      const nl = chunk.indexOf(10)
      if (nl < 0) {
        this.appendCarry(chunk)
        return
      }
      this.appendCarry(chunk.subarray(0, nl))
      this.emitCarry(out)
      start = nl + 1
    }
    const last = chunk.lastIndexOf(10)
    if (last >= start) {
      this.emitRegion(chunk, start, last, out)
      start = last + 1
    }
    if (start < chunk.length) this.appendCarry(chunk.subarray(start))
  }

  end(out: string[]): void {
    if (this.carryBytes > 0 || this.carryTruncated) this.emitCarry(out)
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

  private emitCarry(out: string[]): void {
    const buf = this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry, this.carryBytes)
    const truncated = this.carryTruncated
    this.carry = []
    this.carryBytes = 0
    this.carryTruncated = false
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

/** The largest cut <= max that does not split a UTF-8 sequence. */
function charBoundary(buf: Buffer, max: number): number {
  if (max >= buf.length) return buf.length
  let cut = max
  // Step back over continuation bytes (10xxxxxx) to the start of the character.
  while (cut > 0 && cut > max - 4 && (buf[cut] & 0xc0) === 0x80) cut--
  return cut
}
