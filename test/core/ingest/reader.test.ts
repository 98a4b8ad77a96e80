import {gzipSync} from 'node:zlib'
import {Readable} from 'node:stream'
import {chmodSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {createLineReader, createRegionReader, readLineBatches, type IngestWarning} from '../../../src/core/ingest/index.js'
import {releaseRegion, sharedRegion, type ByteRegion} from '../../../src/core/ingest/line-splitter.js'
import {FlareError, ExitCode} from '../../../src/core/errors.js'
import {readAllLines, tempDir, writeTemp} from './helpers.js'

const dir = tempDir()

async function expectFlareError(promise: Promise<unknown>, message: RegExp): Promise<FlareError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FlareError)
  expect((error as FlareError).message).toMatch(message)
  expect((error as FlareError).hint).toBeTruthy()
  return error as FlareError
}

describe('line splitting', () => {
  it('splits LF and CRLF, keeps empty lines, reads a final line without newline', async () => {
    const file = writeTemp(dir, 'mixed.log', 'a\r\nb\n\r\n\nlast')
    const {lines, stats} = await readAllLines(file)
    expect(lines).toEqual(['a', 'b', '', '', 'last'])
    expect(stats.lines).toBe(5)
    expect(stats.bytesRead).toBe(12)
    expect(stats.totalBytes).toBe(12)
    expect(stats.done).toBe(true)
  })

  it('does not invent a line after a trailing newline', async () => {
    const {lines} = await readAllLines(writeTemp(dir, 'trail.log', 'x\ny\n'))
    expect(lines).toEqual(['x', 'y'])
  })

  it('gives the same lines whatever the chunk size (carry across chunks, CR at a boundary)', async () => {
    const text = Array.from({length: 300}, (_, i) => `line ${i} ${'é'.repeat(i % 7)} 日本 ${'x'.repeat(i % 50)}`).join('\r\n')
    const file = writeTemp(dir, 'chunks.log', text)
    const expected = text.split('\r\n')
    for (const chunkBytes of [1, 2, 3, 7, 64, 1000]) {
      const {lines, stats} = await readAllLines(file, {chunkBytes})
      expect(lines, `chunkBytes ${chunkBytes}`).toEqual(expected)
      expect(stats.invalidUtf8Lines).toBe(0)
    }
  })

  it('splits old-Mac CR-only line ends, also mixed with LF and CRLF, whatever the chunk size', async () => {
    const text = 'mac one\rmac two\r\rcrlf\r\nlf\n\r\rend\r'
    const file = writeTemp(dir, 'cr-only.log', text)
    const expected = ['mac one', 'mac two', '', 'crlf', 'lf', '', '', 'end']
    for (const chunkBytes of [1, 2, 3, 5, 8, 1000]) {
      const {lines, stats} = await readAllLines(file, {chunkBytes})
      expect(lines, `chunkBytes ${chunkBytes}`).toEqual(expected)
      expect(stats.lines).toBe(expected.length)
    }
  })

  it('keeps a CR that ends one chunk and an LF that opens the next as one CRLF', async () => {
    const chunks = ['first\r', '\nsecond\r', 'third\r', '\r', '\nfourth'].map((s) => Buffer.from(s))
    const {lines} = await readAllLines(Readable.from(chunks))
    expect(lines).toEqual(['first', 'second', 'third', '', 'fourth'])
    // The caller's buffers are left as they were.
    expect(chunks.map((c) => c.toString())).toEqual(['first\r', '\nsecond\r', 'third\r', '\r', '\nfourth'])
  })

  it('hands byte consumers LF-ended regions for CR-only input, with no file offset for rewritten bytes', async () => {
    const file = writeTemp(dir, 'cr-regions.log', 'a\rb\rc\n')
    const reader = createRegionReader(file)
    const regions: ByteRegion[] = []
    for await (const batch of reader.regions()) regions.push(...batch)
    expect(regions.map((r) => r.buf.toString('latin1', r.start, r.end))).toEqual(['a\nb\nc'])
    expect(regions[0].offset).toBeUndefined()
  })

  it('replaces configured secrets in every line, also one cut in two by a chunk boundary', async () => {
    const secret = 'sk-ant-api03-READER-SECRET-42'
    const text = `a ${secret} b\nplain\n${secret}\nend ${secret}`
    const file = writeTemp(dir, 'secret.log', text)
    for (const chunkBytes of [3, 16, 1000]) {
      const {lines} = await readAllLines(file, {chunkBytes, secrets: [secret]})
      expect(lines, `chunkBytes ${chunkBytes}`).toEqual(['a <redacted> b', 'plain', '<redacted>', 'end <redacted>'])
    }
    const reader = createRegionReader(file, {secrets: [secret]})
    const bytes: string[] = []
    for await (const batch of reader.regions()) for (const r of batch) bytes.push(r.buf.toString('utf8', r.start, r.end))
    expect(bytes.join('\n')).not.toContain(secret)
  })

  it('yields batches of batchSize lines', async () => {
    const file = writeTemp(dir, 'batches.log', Array.from({length: 1000}, (_, i) => `l${i}`).join('\n'))
    const {lines, batchSizes} = await readAllLines(file, {batchSize: 128, chunkBytes: 333})
    expect(lines).toHaveLength(1000)
    expect(lines[999]).toBe('l999')
    expect(batchSizes.slice(0, -1).every((n) => n === 128)).toBe(true)
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(1000)
  })

  it('strips a UTF-8 byte-order mark', async () => {
    const {lines} = await readAllLines(writeTemp(dir, 'bom.log', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first\nsecond')])))
    expect(lines).toEqual(['first', 'second'])
  })

  it('reads an empty file as zero lines without error', async () => {
    const {lines, stats} = await readAllLines(writeTemp(dir, 'empty.log', ''))
    expect(lines).toEqual([])
    expect(stats.lines).toBe(0)
    expect(stats.done).toBe(true)
  })
})

describe('encoding and size guards', () => {
  it('replaces invalid UTF-8 with U+FFFD and counts the lines', async () => {
    const data = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\nalso ok\nlatin1 caf'), Buffer.from([0xe9]), Buffer.from('\n')])
    const warnings: IngestWarning[] = []
    const {lines, stats} = await readAllLines(writeTemp(dir, 'bad-utf8.log', data), {onWarning: (w) => warnings.push(w)})
    expect(lines).toEqual(['ok', 'bad \uFFFD\uFFFDA', 'also ok', 'latin1 caf\uFFFD'])
    expect(stats.invalidUtf8Lines).toBe(2)
    expect(warnings.map((w) => [w.code, w.lineId])).toEqual([
      ['invalid-utf8', 2],
      ['invalid-utf8', 4],
    ])
  })

  it('keeps a genuine U+FFFD in valid input uncounted', async () => {
    const {stats, lines} = await readAllLines(writeTemp(dir, 'fffd.log', 'a \uFFFD b\n'))
    expect(lines).toEqual(['a \uFFFD b'])
    expect(stats.invalidUtf8Lines).toBe(0)
  })

  it('summarises repeated warnings after maxWarningsPerKind', async () => {
    const data = Buffer.concat(Array.from({length: 20}, () => Buffer.from([0x61, 0xff, 0x0a])))
    const warnings: IngestWarning[] = []
    const {stats} = await readAllLines(writeTemp(dir, 'many-bad.log', data), {onWarning: (w) => warnings.push(w), maxWarningsPerKind: 3})
    expect(stats.invalidUtf8Lines).toBe(20)
    expect(warnings).toHaveLength(4)
    expect(warnings[3].code).toBe('warnings-suppressed')
  })

  it('truncates a line over 1 MiB to 1 MiB, counts it, and keeps the next line intact', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024 + 17)
    const warnings: IngestWarning[] = []
    const {lines, stats} = await readAllLines(writeTemp(dir, 'huge.log', `before\n${huge}\nafter\n`), {onWarning: (w) => warnings.push(w)})
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe('before')
    expect(lines[1].length).toBe(1024 * 1024)
    expect(lines[2]).toBe('after')
    expect(stats.truncatedLines).toBe(1)
    expect(warnings).toEqual([expect.objectContaining({code: 'line-truncated', lineId: 2})])
  })

  it('truncates on a character boundary and inside one chunk when maxLineBytes is small', async () => {
    const {lines, stats} = await readAllLines(writeTemp(dir, 'small-max.log', `${'é'.repeat(20)}\nshort\n${'ab'.repeat(40)}`), {maxLineBytes: 25})
    expect(lines[0]).toBe('é'.repeat(12)) // 24 bytes: the 13th é would straddle the cut
    expect(lines[1]).toBe('short')
    expect(lines[2]).toBe('ab'.repeat(40).slice(0, 25))
    expect(stats.truncatedLines).toBe(2)
  })

  it('reads a 40 MB single line without buffering it', async () => {
    const size = 40 * 1024 * 1024
    const file = writeTemp(dir, 'one-line.log', Buffer.alloc(size, 0x61))
    const before = process.memoryUsage().arrayBuffers
    let peak = 0
    const reader = createLineReader(file)
    const lengths: number[] = []
    for await (const batch of reader.batches()) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
      for (const l of batch) lengths.push(l.length)
    }
    expect(lengths).toEqual([1024 * 1024])
    expect(reader.stats.truncatedLines).toBe(1)
    expect(reader.stats.bytesRead).toBe(size)
    expect(peak).toBeLessThan(16 * 1024 * 1024)
  }, 120_000)
})

describe('binary and unsupported input', () => {
  it('refuses binary data with NUL bytes', async () => {
    const file = writeTemp(dir, 'blob.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x41, 0x42]))
    const error = await expectFlareError(readAllLines(file), /blob\.bin looks like binary data/)
    expect(error.exitCode).toBe(ExitCode.badInput)
  })

  it('refuses input that is mostly control characters', async () => {
    const bytes = Buffer.from(Array.from({length: 200}, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)))
    await expectFlareError(readAllLines(writeTemp(dir, 'ctl.bin', bytes)), /binary data.*control characters/)
  })

  it('checks the first 8 KiB even when a pipe delivers it in small pieces', async () => {
    const chunks = [Buffer.from('looks like text\n'), Buffer.from([0x41, 0x00, 0x42])]
    await expectFlareError(readAllLines(Readable.from(chunks)), /<stream> looks like binary data/)
  })

  it('accepts ANSI colour escapes and tabs', async () => {
    const {lines} = await readAllLines(writeTemp(dir, 'ansi.log', '\x1b[32mINFO\x1b[0m\tready\n'.repeat(20)))
    expect(lines).toHaveLength(20)
  })

  it('names other archive formats and UTF-16 with a way out', async () => {
    const zip = await expectFlareError(readAllLines(writeTemp(dir, 'logs.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00]))), /zip archive/)
    expect(zip.hint).toMatch(/unzip -p/)
    const utf16 = await expectFlareError(readAllLines(writeTemp(dir, 'u16.log', Buffer.from('\uFEFFhello\n', 'utf16le'))), /UTF-16/)
    expect(utf16.hint).toMatch(/iconv/)
  })
})

describe('gzip', () => {
  const text = Array.from({length: 5000}, (_, i) => `081109 2036${String(i % 60).padStart(2, '0')} 148 INFO dfs.DataNode: line ${i}`).join('\n') + '\n'

  it('detects gzip by magic bytes, not the extension', async () => {
    const file = writeTemp(dir, 'compressed.log', gzipSync(text))
    const {lines, stats} = await readAllLines(file, {chunkBytes: 4096})
    expect(lines).toHaveLength(5000)
    expect(lines[4999]).toBe('081109 203619 148 INFO dfs.DataNode: line 4999')
    expect(stats.compressed).toBe(true)
    expect(stats.bytesRead).toBe(stats.totalBytes)
    expect(stats.decodedBytes).toBe(Buffer.byteLength(text))
  })

  it('reads concatenated gzip members', async () => {
    const file = writeTemp(dir, 'multi.gz', Buffer.concat([gzipSync('a\nb\n'), gzipSync('c\n')]))
    expect((await readAllLines(file)).lines).toEqual(['a', 'b', 'c'])
  })

  it('checks the decompressed bytes for binary content', async () => {
    const file = writeTemp(dir, 'binary.gz', gzipSync(Buffer.from([0, 1, 2, 3, 0, 0, 65])))
    await expectFlareError(readAllLines(file), /after gunzip\) looks like binary data/)
  })

  it('reports a corrupt gzip file', async () => {
    const good = gzipSync(text)
    const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.alloc(200, 0x55)])
    const error = await expectFlareError(readAllLines(writeTemp(dir, 'corrupt.gz', corrupt)), /could not be decompressed/)
    expect(error.hint).toMatch(/gzip -t/)
  })
})

describe('sources', () => {
  it('reads a stream with a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('héllo wörld\nsecond ✓ line\n')
    const chunks = Array.from({length: bytes.length}, (_, i) => bytes.subarray(i, i + 1))
    const {lines, stats} = await readAllLines(Readable.from(chunks))
    expect(lines).toEqual(['héllo wörld', 'second ✓ line'])
    expect(stats.invalidUtf8Lines).toBe(0)
    expect(stats.source).toBe('<stream>')
    expect(stats.totalBytes).toBeUndefined()
  })

  it('reads `-` from the stdin option, gzip included', async () => {
    const {lines, stats} = await readAllLines('-', {stdin: Readable.from([gzipSync('one\ntwo\n')])})
    expect(lines).toEqual(['one', 'two'])
    expect(stats.source).toBe('<stdin>')
    expect(stats.compressed).toBe(true)
  })

  it('names a missing file in the error', async () => {
    const error = await expectFlareError(readAllLines(`${dir}/nope.log`), /No such file: .*nope\.log/)
    expect(error.exitCode).toBe(ExitCode.badInput)
  })

  it('refuses a directory', async () => {
    await expectFlareError(readAllLines(dir), /is a directory/)
  })

  it('says so when a caller passes no input at all (API use; the CLI requires -i)', async () => {
    const error = await expectFlareError(readAllLines(undefined as unknown as string), /no input was given/)
    expect(error.exitCode).toBe(ExitCode.usage)
    const {createRegionReader} = await import('../../../src/core/ingest/reader.js')
    const regions = createRegionReader(undefined as unknown as string).regions()
    await expectFlareError(regions.next(), /no input was given/)
  })

  // Reason: root can read a file without read permission, so the case cannot be made as root.
  it.skipIf(process.getuid?.() === 0)('reports an unreadable file (skipped as root: root reads anything)', async () => {
    const file = writeTemp(dir, 'secret.log', 'x\n')
    chmodSync(file, 0o000)
    await expectFlareError(readAllLines(file), /Permission denied reading .*secret\.log/)
  })

  it('stops when the signal aborts', async () => {
    const file = writeTemp(dir, 'abort.log', 'x\n'.repeat(100_000))
    const controller = new AbortController()
    let batches = 0
    const run = async () => {
      for await (const _ of readLineBatches(file, {signal: controller.signal, batchSize: 100, chunkBytes: 1024})) {
        batches++
        if (batches === 3) controller.abort()
      }
    }
    await expect(run()).rejects.toThrow(/abort/i)
    expect(batches).toBeLessThan(20)
  })

  it('releases the source when the consumer stops early', async () => {
    const source = Readable.from(Array.from({length: 100}, (_, i) => Buffer.from(`line ${i}\n`)))
    const reader = createLineReader(source, {batchSize: 5})
    for await (const batch of reader.batches()) {
      expect(batch).toHaveLength(5)
      break
    }
    expect(source.destroyed).toBe(true)
    expect(reader.stats.done).toBe(false)
  })

  it('can be iterated once', () => {
    const reader = createLineReader('-', {stdin: Readable.from([])})
    reader.batches()
    expect(() => reader.batches()).toThrow(/once/)
  })
})

describe('region reader read buffers', () => {
  const text = Array.from({length: 4000}, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`).join('\n') + '\n'
  const bytes = Buffer.from(text)

  async function regionsOf(file: string, keep: boolean): Promise<{held: ByteRegion[]; buffers: Set<ArrayBufferLike>; chunks: number}> {
    const reader = createRegionReader(file, {chunkBytes: 256})
    const held: ByteRegion[] = []
    const buffers = new Set<ArrayBufferLike>()
    let chunks = 0
    for await (const regions of reader.regions()) {
      chunks++
      for (const r of regions) {
        if (!r.carried) buffers.add(r.buf.buffer)
        // A region's bytes are the file's bytes at its offset, while the consumer holds it.
        if (r.offset !== undefined) expect(r.buf.subarray(r.start, r.end).equals(bytes.subarray(r.offset, r.offset + r.end - r.start))).toBe(true)
        if (keep) held.push(r)
        else releaseRegion(r)
      }
    }
    return {held, buffers, chunks}
  }

  it('never reads into a buffer whose regions the consumer still holds', async () => {
    const file = writeTemp(dir, 'ring-held.log', text)
    const {held, chunks} = await regionsOf(file, true)
    expect(chunks).toBeGreaterThan(100)
    // Long after they were read (and hundreds of reads later), the held regions are intact.
    for (const r of held) if (r.offset !== undefined) expect(r.buf.subarray(r.start, r.end).equals(bytes.subarray(r.offset, r.offset + r.end - r.start))).toBe(true)
    expect(held.filter((r) => r.offset !== undefined).length).toBeGreaterThan(100)
  })

  it('reads into the same few buffers again once their regions are released', async () => {
    const file = writeTemp(dir, 'ring-released.log', text)
    const {buffers, chunks} = await regionsOf(file, false)
    expect(chunks).toBeGreaterThan(100)
    // The chunks (carried lines aside: those are copies) went into a handful of buffers, where a
    // consumer that holds its regions makes the reader take a new buffer for nearly every chunk.
    expect(buffers.size).toBeLessThanOrEqual(16)
    const {buffers: heldBuffers} = await regionsOf(file, true)
    expect(heldBuffers.size).toBeGreaterThan(chunks / 2)
  })

  it('cuts a plain file at newlines: one region per read, none of them a carried line', async () => {
    // Lines never end at a read's end here (4000 lines of 7 to 50 bytes, reads of 256 bytes).
    const file = writeTemp(dir, 'ring-whole.log', text)
    const reader = createRegionReader(file, {chunkBytes: 256})
    const got: Buffer[] = []
    let carried = 0
    let yields = 0
    for await (const regions of reader.regions()) {
      yields++
      expect(regions).toHaveLength(1)
      for (const r of regions) {
        if (r.carried) carried++
        got.push(Buffer.from(r.buf.subarray(r.start, r.end)))
        releaseRegion(r)
      }
    }
    expect(yields).toBeGreaterThan(100)
    expect(carried).toBe(0)
    expect(Buffer.concat(got.flatMap((b) => [b, Buffer.from('\n')])).equals(bytes)).toBe(true)
    expect(reader.stats.bytesRead).toBe(bytes.length)
    // A line longer than a read still comes whole, as a carried line; the lines around it do not.
    const long = `before\n${'z'.repeat(1000)}\nafter one\nafter two`
    const lines: string[] = []
    const flags: boolean[] = []
    const longReader = createRegionReader(writeTemp(dir, 'ring-long.log', long), {chunkBytes: 256})
    for await (const regions of longReader.regions())
      for (const r of regions) {
        for (const line of r.buf.subarray(r.start, r.end).toString().split('\n')) {
          lines.push(line)
          flags.push(r.carried)
        }
        releaseRegion(r)
      }
    expect(lines).toEqual(long.split('\n'))
    expect(flags[1]).toBe(true)
    expect(flags[0]).toBe(false)
    expect(longReader.stats.bytesRead).toBe(long.length)
  })

  it('reads a gzip file whole when its compressed reads are cut at newline bytes too', async () => {
    // Compressed bytes hold 0x0A here and there: a read cut there goes on from that byte, so the
    // decompressor still sees every byte once, in order.
    const file = writeTemp(dir, 'ring.log.gz', gzipSync(bytes, {level: 1}))
    const reader = createRegionReader(file, {chunkBytes: 256})
    const got: Buffer[] = []
    for await (const regions of reader.regions())
      for (const r of regions) {
        got.push(Buffer.from(r.buf.subarray(r.start, r.end)), Buffer.from('\n'))
        releaseRegion(r)
      }
    expect(Buffer.concat(got).equals(bytes)).toBe(true)
    expect(reader.stats.compressed).toBe(true)
  })

  it('a region split in two stays leased until both halves are released', async () => {
    const file = writeTemp(dir, 'ring-split.log', text)
    const reader = createRegionReader(file, {chunkBytes: 256})
    const it = reader.regions()[Symbol.asyncIterator]()
    const first = (await it.next()).value![0]
    const half = sharedRegion(first, first.start, first.start + 4, first.offset)
    const copy = Buffer.from(first.buf.subarray(first.start, first.end))
    releaseRegion(first)
    // The other half still holds the buffer: however much is read now, its bytes stay.
    for (let i = 0; i < 40; i++) for (const r of (await it.next()).value ?? []) releaseRegion(r)
    expect(first.buf.subarray(first.start, first.end).equals(copy)).toBe(true)
    releaseRegion(half)
    await it.return?.(undefined)
  })
})
