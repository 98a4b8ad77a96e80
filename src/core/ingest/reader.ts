import {createReadStream} from 'node:fs'
import {open, stat, type FileHandle} from 'node:fs/promises'
import {Readable, pipeline} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {ExitCode, FlareError} from '../errors.js'
import {configuredSecrets} from '../secrets.js'
import {limitWarnings, type IngestWarning} from './warning.js'
import {LineSplitter, type ByteRegion} from './line-splitter.js'
import {refuseArchives, TextSniffer} from './sniff.js'
import type {OpenedInput} from './input.js'

/** A path, `-` (stdin), a stream, or an input opened once for the whole run (see input.ts). */
export type ReaderInput = string | Readable | OpenedInput

function isOpened(input: ReaderInput): input is OpenedInput {
  return typeof input === 'object' && !(input instanceof Readable) && 'handle' in input
}

function sourceName(input: ReaderInput): string {
  if (typeof input === 'string') return input === '-' ? '<stdin>' : input
  return isOpened(input) ? input.name : '<stream>'
}

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
  /** Replaced by `<redacted>` in every line. Default: the keys and passwords Flare is configured with (configuredSecrets). */
  secrets?: readonly string[]
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
export const DEFAULT_MAX_LINE = 1024 * 1024
const DEFAULT_CHUNK = 1024 * 1024
const MAGIC_BYTES = 6

/** Streams lines from a path, a gzip file (detected by its magic bytes), `-` (stdin) or a Readable. */
export function createLineReader(input: ReaderInput, options: LineReaderOptions = {}): LineReader {
  const source = sourceName(input)
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

/**
 * Byte-mode reader: regions of complete lines straight from the read buffers (see
 * LineSplitter.pushRegions), for consumers that parse bytes. Same sources, checks and errors as
 * createLineReader; `splitter` decodes the regions the consumer does not handle itself.
 */
export interface RegionReader {
  readonly stats: Readonly<ReaderStats>
  readonly splitter: LineSplitter
  regions(): AsyncGenerator<ByteRegion[], void, undefined>
}

export function createRegionReader(input: ReaderInput, options: LineReaderOptions = {}): RegionReader {
  const source = sourceName(input)
  const stats: ReaderStats = {source, lines: 0, bytesRead: 0, decodedBytes: 0, truncatedLines: 0, invalidUtf8Lines: 0, compressed: false, done: false}
  const maxLine = Math.max(16, options.maxLineBytes ?? DEFAULT_MAX_LINE)
  const splitter = new LineSplitter(maxLine, stats, limitWarnings(options.onWarning, options.maxWarningsPerKind ?? 5), options.secrets ?? configuredSecrets())
  async function* regions(): AsyncGenerator<ByteRegion[], void, undefined> {
    options.signal?.throwIfAborted()
    // A plain file is read into reusable buffers: the consumer releases the regions it is done
    // with (releaseRegion), so the reads allocate nothing, and the garbage collector is not set
    // off by hundreds of megabytes of short-lived buffers.
    const ring = new ChunkRing(options.chunkBytes ?? DEFAULT_CHUNK)
    const raw = await openSource(input, options, stats, ring)
    try {
      // A plain file's chunks are its bytes as they are: regions can say where they lie in it.
      const file = (typeof input === 'string' && input !== '-') || isOpened(input)
      for await (const chunk of decodedChunks(raw, stats)) {
        options.signal?.throwIfAborted()
        const chunkOffset = file && !stats.compressed ? stats.decodedBytes : undefined
        stats.decodedBytes += chunk.length
        const out: ByteRegion[] = []
        splitter.pushRegions(chunk, out, chunkOffset)
        ring.lend(chunk, out)
        if (out.length > 0) yield out
      }
      const out: ByteRegion[] = []
      splitter.endRegions(out)
      if (out.length > 0) yield out
      stats.done = true
    } finally {
      if (!stats.done && raw !== process.stdin) raw.destroy()
    }
  }
  return {stats, splitter, regions}
}

/** Shorthand for `createLineReader(input, options).batches()` when the stats are not needed. */
export function readLineBatches(input: ReaderInput, options: LineReaderOptions = {}): AsyncGenerator<string[], void, undefined> {
  return createLineReader(input, options).batches()
}

async function* readBatches(input: ReaderInput, options: LineReaderOptions, stats: ReaderStats): AsyncGenerator<string[], void, undefined> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH)
  const maxLine = Math.max(16, options.maxLineBytes ?? DEFAULT_MAX_LINE)
  const warn = limitWarnings(options.onWarning, options.maxWarningsPerKind ?? 5)
  const signal = options.signal
  signal?.throwIfAborted()

  const raw = await openSource(input, options, stats)
  try {
    yield* splitBatches(raw, stats, new LineSplitter(maxLine, stats, warn, options.secrets ?? configuredSecrets()), batchSize, signal)
    stats.done = true
  } finally {
    // Stopped early (break, abort, error): release the file descriptor now, not at GC.
    if (!stats.done && raw !== process.stdin) raw.destroy()
  }
}

async function* splitBatches(raw: Readable, stats: ReaderStats, splitter: LineSplitter, batchSize: number, signal: AbortSignal | undefined): AsyncGenerator<string[], void, undefined> {
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
}

/**
 * Read buffers for a plain file, reused once every region on them is released. A buffer that is
 * still leased is never read into: the ring then reads into a fresh one, so a consumer that keeps
 * regions (or never releases them) only costs allocations, never bytes.
 */
class ChunkRing {
  private readonly slots: Array<{buf: Buffer; lease: {count: number}}> = []

  constructor(
    private readonly size: number,
    private readonly most = 16,
  ) {}

  /**
   * A buffer to read into, leased to the reader until lend() hands it to its regions: the first
   * free one, so that a consumer releasing its regions promptly keeps two or three buffers
   * resident, not `most` (a replay's memory is then as flat as its engine's).
   */
  take(): Buffer {
    for (const slot of this.slots) {
      if (slot.lease.count === 0) {
        slot.lease.count = 1
        return slot.buf
      }
    }
    if (this.slots.length >= this.most) return Buffer.allocUnsafeSlow(this.size)
    const slot = {buf: Buffer.allocUnsafeSlow(this.size), lease: {count: 1}}
    this.slots.push(slot)
    return slot.buf
  }

  /** The regions cut from `chunk` take over the reader's lease on its buffer (if it is one of ours). */
  lend(chunk: Buffer, regions: ByteRegion[]): void {
    const slot = this.slots.find((s) => s.buf.buffer === chunk.buffer)
    if (slot === undefined) return
    for (const r of regions) {
      if (r.buf.buffer !== chunk.buffer) continue
      r.lease = slot.lease
      slot.lease.count++
    }
    slot.lease.count--
  }
}

/**
 * A file's bytes in chunks read into the ring's buffers (each chunk is a view of one), each cut
 * after its last newline unless a line is longer than a read.
 */
async function* fileChunks(path: string, ring: ChunkRing): AsyncGenerator<Buffer, void, undefined> {
  const handle = await open(path, 'r')
  try {
    yield* handleChunks(handle, ring)
  } finally {
    await handle.close()
  }
}

/** The bytes behind an open handle from its first byte, in fresh buffers; the handle stays open. */
async function* handleReads(handle: FileHandle, size: number): AsyncGenerator<Buffer, void, undefined> {
  let position = 0
  for (;;) {
    const buf = Buffer.allocUnsafe(size)
    const {bytesRead} = await handle.read(buf, 0, size, position)
    if (bytesRead === 0) return
    position += bytesRead
    yield bytesRead === size ? buf : buf.subarray(0, bytesRead)
  }
}

/** The chunks of fileChunks, read from an open handle from its first byte; the handle stays open. */
async function* handleChunks(handle: FileHandle, ring: ChunkRing): AsyncGenerator<Buffer, void, undefined> {
  {
    let position = 0
    for (;;) {
      const buf = ring.take()
      const size = buf.length
      const {bytesRead} = await handle.read(buf, 0, size, position)
      if (bytesRead === 0) return
      // A full read ends at its last newline: the partial line after it is read again as the
      // start of the next chunk. Every chunk then holds whole lines, and no line has to be
      // assembled from two chunks (the splitter would hand it out as a region of its own).
      let length = bytesRead
      if (bytesRead === size) {
        const last = buf.lastIndexOf(10, bytesRead - 1)
        if (last >= 0) length = last + 1
      }
      position += length
      yield buf.subarray(0, length)
    }
  }
}

async function openSource(input: ReaderInput, options: LineReaderOptions, stats: ReaderStats, ring?: ChunkRing): Promise<Readable> {
  if (isOpened(input)) {
    stats.totalBytes = input.size
    if (ring) return Readable.from(handleChunks(input.handle, ring), {objectMode: true, highWaterMark: 1})
    // Not handle.createReadStream: destroying that stream (a reader stopped early) closes the
    // handle, and the run still needs it for its later passes.
    return Readable.from(handleReads(input.handle, options.chunkBytes ?? DEFAULT_CHUNK), {objectMode: true, highWaterMark: 1})
  }
  if (typeof input !== 'string') {
    if (input instanceof Readable) return input
    throw new FlareError('Nothing to read: no input was given.', {exitCode: ExitCode.usage, hint: 'Pass -i FILE, or -i - to read standard input.'})
  }
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
  // One chunk read ahead at most: every chunk in flight holds a buffer of the ring.
  if (ring && info.isFile()) return Readable.from(fileChunks(input, ring), {objectMode: true, highWaterMark: 1})
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
