import {isUtf8} from 'node:buffer'
import {createWriteStream, type WriteStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {once} from 'node:events'
import {loadTemplateState, saveTemplateState, type MineOptions, type MineResult} from './mine.js'
import {ExitCode, FlareError} from '../errors.js'
import {RecordAssembler, createRegionReader, describeDetection, type LogRecord} from '../ingest/index.js'
import {DETECTION_SAMPLE} from '../ingest/formats/registry.js'
import {nthNewline, releaseRegion, sharedRegion, type ByteRegion} from '../ingest/line-splitter.js'
import {ByteOut, HdfsFastPath, csvField, paramLists, warmUp, warmUpOn, type FastStats} from './fast-path.js'
import {ParsePool, SLOT_INPUT, poolSize, type RemoteRegion, type WorkerSetup} from './worker-pool.js'
import {configForFormat} from '../templates/index.js'
import {FastMiner} from './fast-miner.js'

export {csvField} from './fast-path.js'

/**
 * `flare parse`: every input line → one row of a loghub-compatible structured CSV.
 * Columns: LineId (1-based physical line), EventId, EventTemplate (the template as it stood when
 * the line was mined), Timestamp, Level, Component, Content, SessionId, ParameterList,
 * ParameterTypes. A multi-line record gives each of its lines its own row with the record's
 * EventId. The final templates go to a companion `<out>_templates.csv` (EventId, EventTemplate,
 * Occurrences), since streaming rows cannot wait for later lines to generalise a template.
 */
export const PARSE_COLUMNS = ['LineId', 'EventId', 'EventTemplate', 'Timestamp', 'Level', 'Component', 'Content', 'SessionId', 'ParameterList', 'ParameterTypes'] as const

export interface ParseOptions extends Omit<MineOptions, 'afterBatch' | 'miner'> {
  /** CSV destination: a path, or `-` for stdout. */
  output: string
  /** Where the final templates go; default derived from output (none when output is stdout). */
  templatesOutput?: string
  stdout?: NodeJS.WritableStream
  /** Threads for the HDFS fast path: 0 or undefined = one per core, 1 = none. */
  jobs?: number
  /**
   * false: every line goes through the record assembler and the string miner (the reference the
   * byte-level fast path is tested against; also an escape hatch). Default true.
   */
  fast?: boolean
}

export interface ParseSummary extends Omit<MineResult, 'miner' | 'templates'> {
  templates: number
  /** Worker threads that took part (0: the main thread did everything). */
  threads: number
  output: string
  templatesOutput?: string
}

const CHUNK = 1 << 20

async function openOutput(path: string, stdout: NodeJS.WritableStream): Promise<{stream: NodeJS.WritableStream; close: () => Promise<void>}> {
  if (path === '-') return {stream: stdout, close: async () => {}}
  // Rows come in buffers of megabytes (a worker's slot): with the default 16 KB mark every write
  // would wait for 'drain' before the next region can be sent out.
  const stream: WriteStream = createWriteStream(path, {highWaterMark: 8 * CHUNK})
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error) => reject(new FlareError(`cannot write ${path}: ${(error as Error).message}`, {exitCode: ExitCode.badInput, hint: 'choose a writable path with -o'})))
  })
  return {stream, close: () => new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())))}
}

/** Size of a regular input file, or undefined (stdin, pipes, missing files: the reader reports those). */
async function inputSize(input: string): Promise<number | undefined> {
  if (input === '-') return undefined
  try {
    const info = await stat(input)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}

/** Lines in a region minus one (its newlines). */
function countNewlines(region: ByteRegion): number {
  let n = 0
  let p = region.buf.indexOf(10, region.start)
  while (p >= 0 && p < region.end) {
    n++
    p = region.buf.indexOf(10, p + 1)
  }
  return n
}

/** Hands full buffers to the stream, waiting when it is full, so a slow pipe never makes us hold the CSV. */
async function flush(out: ByteOut, stream: NodeJS.WritableStream, all = false): Promise<void> {
  for (const chunk of out.take(all)) if (!stream.write(chunk)) await once(stream, 'drain')
}

export function defaultTemplatesPath(output: string): string | undefined {
  if (output === '-' || output.startsWith('/dev/')) return undefined
  return output.replace(/(\.csv)?$/i, '_templates.csv')
}

/**
 * Streams the input into CSV rows. Regions of complete lines (a read buffer's worth) of an HDFS
 * log take the byte-level fast path (fast-path.ts) when every line in them is a plain HDFS
 * line and the next region does not open with a continuation line; everything else (the
 * detection sample, other formats, stack traces, invalid UTF-8, over-long lines) goes through
 * the record assembler and the string miner. Both paths feed one miner, in input order, so the
 * rows and template ids do not depend on which path a line took.
 */
export async function parseToCsv(options: ParseOptions): Promise<ParseSummary> {
  const started = performance.now()
  const out = await openOutput(options.output, options.stdout ?? process.stdout)
  const sink = new ByteOut(CHUNK)
  sink.text(PARSE_COLUMNS.join(',') + '\n')
  const reader = createRegionReader(options.input, {onWarning: options.onWarning, signal: options.signal})
  const assembler = new RecordAssembler({format: options.format ?? 'auto', onWarning: options.onWarning})
  const fast = new HdfsFastPath(reader.splitter.maxLineBytes)
  const fastStats: FastStats = {lines: 0, records: 0, blank: 0}
  let miner: FastMiner | undefined
  const formatName = (): string | undefined => assembler.detection?.format.name
  const useFast = options.fast !== false
  const inputBytes = await inputSize(options.input)
  const threads = useFast ? poolSize(options.jobs, inputBytes) : 0
  let warmed = false
  let setup: WorkerSetup | undefined
  const ensureMiner = async (): Promise<FastMiner> => {
    if (miner) return miner
    miner = options.statePath ? await loadTemplateState(options.statePath, formatName(), FastMiner) : new FastMiner(configForFormat(formatName()))
    if (threads > 0) {
      // Workers replay this miner's misses from its starting state.
      setup = {state: options.statePath ? miner.toJSON() : null, config: miner.config}
      miner.missLog = []
    }
    return miner
  }
  // The threads load while the first lines are read and the format is detected.
  const pool = threads > 0 ? new ParsePool(threads, reader.splitter.maxLineBytes, inputBytes !== undefined ? options.input : undefined) : undefined

  // Templates change rarely: keep each one's escaped CSV text instead of re-escaping per line.
  const escaped = new Map<string, string>()
  const writeRecords = async (records: LogRecord[]): Promise<void> => {
    if (records.length === 0) return
    const m = await ensureMiner()
    for (const record of records) {
      const added = m.add(record.content)
      const templateId = added.templateId
      let template = escaped.get(added.template)
      if (template === undefined) {
        if (escaped.size > 10_000) escaped.clear()
        escaped.set(added.template, (template = csvField(added.template)))
      }
      const lists = paramLists(m.extractParams(record.content, templateId))
      const keys = record.sessionKeys
      const parts = record.lineCount === 1 ? undefined : record.content.split('\n')
      const head = `,${templateId},${template},${record.rawTimestamp === undefined ? '' : csvField(record.rawTimestamp)},${record.level ?? ''},${record.component === undefined ? '' : csvField(record.component)},`
      const tail = `,${keys.length === 0 ? '' : keys.length === 1 ? keys[0] : csvField(keys.join(' '))}${lists}`
      for (let k = 0; k < record.lineCount; k++) sink.text(`${record.lineId + k}${head}${csvField(parts === undefined ? record.content : (parts[k] ?? ''))}${tail}`)
    }
  }

  let nextLineId = 1
  let lastProgress = 0
  const lines: string[] = []
  const handle = async (region: ByteRegion, nextStartsRecord: boolean): Promise<void> => {
    const {buf, start, end} = region
    const candidate = useFast && nextStartsRecord && !region.truncated && formatName() === 'hdfs'
    if (candidate && !warmed && !pool && (inputBytes ?? 0) >= 8 * 2 ** 20) {
      // Alone on a big file, warm the fast path up first: V8 then optimises it once, with the
      // feedback of every token shape, instead of again each time a new branch turns up.
      warmUp(fast, false)
      warmUpOn(fast, buf, start, end, 300)
      warmed = true
    }
    if (candidate && isUtf8(buf.subarray(start, end)) && fast.validate(buf, start, end)) {
      await writeRecords(assembler.finish())
      const before = fastStats.lines
      fast.write(buf, nextLineId, await ensureMiner(), sink, fastStats)
      countLines(fastStats.lines - before)
    } else {
      lines.length = 0
      reader.splitter.decode(region, lines)
      await writeRecords(assembler.push(lines, nextLineId))
      nextLineId += lines.length
    }
    await afterRegion()
  }
  const countLines = (n: number): void => {
    reader.splitter.countLines(n)
    nextLineId += n
  }
  const afterRegion = async (): Promise<void> => {
    await flush(sink, out.stream)
    if (options.onProgress && reader.stats.lines - lastProgress >= 50_000) {
      lastProgress = reader.stats.lines
      options.onProgress({lines: reader.stats.lines, bytesRead: reader.stats.bytesRead, totalBytes: reader.stats.totalBytes})
    }
  }

  // Regions in input order; a worker's result is taken at its turn if still current (ParsePool).
  interface Job {
    region: ByteRegion
    nextStartsRecord: boolean
    firstLineId: number
    /** Lines in the region. */
    lines: number
    remote?: RemoteRegion
  }
  const queue: Job[] = []
  let dispatchedLines = 0
  const settle = async (job: Job): Promise<void> => {
    try {
      await settleJob(job)
    } finally {
      // Nothing refers to the region's bytes any more: its read buffer may be read into again.
      releaseRegion(job.region)
    }
  }
  const settleJob = async (job: Job): Promise<void> => {
    if (!job.remote) return handle(job.region, job.nextStartsRecord)
    let remote = job.remote
    let r = await remote.result
    if ((r.status === 'miss' || (r.status === 'ok' && !pool!.current(r, remote.version, remote.clears))) && miner!.evictions === 0) {
      // A new shape, or templates it used changed since: now that it is this region's turn, a
      // worker does it again in exact mode (so the main thread stays free to read and write).
      pool!.release(remote.slot)
      remote = await pool!.run(job.region, job.firstLineId, job.lines, true)
      r = await remote.result
    }
    if (r.status === 'ok' && (remote.exact || pool!.current(r, remote.version, remote.clears))) {
      if (r.misses) pool!.adopt(remote, r.misses)
      await writeRecords(assembler.finish())
      // The worker's rows go from shared memory to the output, after what is buffered before them.
      await flush(sink, out.stream, true)
      const slot = remote.slot
      if (!out.stream.write(pool!.rows(remote, r.csvLength!), () => pool!.release(slot))) await once(out.stream, 'drain')
      if (r.extra && !out.stream.write(Buffer.from(r.extra))) await once(out.stream, 'drain')
      for (const [id, index, n] of r.counts!) miner!.addCount(id, index, n)
      fastStats.records += r.stats!.records
      fastStats.blank += r.stats!.blank
      fastStats.lines += r.stats!.lines
      countLines(r.stats!.lines)
      await afterRegion()
    } else {
      pool!.release(remote.slot)
      await handle(job.region, job.nextStartsRecord)
    }
  }
  const enqueue = async (region: ByteRegion, nextStartsRecord: boolean): Promise<void> => {
    const lineCount = countNewlines(region) + 1
    const job: Job = {region, nextStartsRecord, firstLineId: dispatchedLines + 1, lines: lineCount}
    // Until a worker has warmed up, this thread does the regions itself (in order, mining them
    // for real): the shapes the first regions bring are then known to the workers when they
    // start, instead of each of them making a worker's result be redone.
    if (pool?.anyReady && nextStartsRecord && !region.truncated && region.end - region.start <= SLOT_INPUT && formatName() === 'hdfs' && miner && miner.evictions === 0) {
      if (!pool.started) pool.start(miner, setup!)
      // With nothing before it pending, the region's turn has come: the worker mines it for real
      // at once, instead of looking it up and (at the start of a log, when most regions still
      // bring new shapes) doing it again at its turn.
      job.remote = await pool.run(region, dispatchedLines + 1, lineCount, queue.length === 0)
    }
    dispatchedLines += lineCount
    queue.push(job)
    // Local jobs run as soon as everything before them is done; at most 3 regions per worker wait.
    while (queue.length > 0 && (!queue[0].remote || queue.length > 3 * Math.max(1, threads))) await settle(queue.shift()!)
  }

  try {
    // One region is held back until the next one shows whether it opens with a new record: if it
    // opens with a continuation line instead, the held region's last record must stay open.
    let held: ByteRegion | null = null
    for await (const regions of reader.regions()) {
      for (const region of regions) {
        if (held) await enqueue(held, fast.startsWithRecord(region.buf, region.start, region.end))
        if (useFast && formatName() === undefined && !region.carried && !region.truncated) {
          // Until the format is known, lines take the string path. Only the detection sample
          // needs to: it goes first, on its own, so the rest of the first region can already
          // take the fast path (and the workers).
          // (+ 56: room for blank lines, which the sample does not count.)
          const cut = nthNewline(region.buf, region.start, region.end, DETECTION_SAMPLE + 56)
          if (cut >= 0) {
            const {start, end, offset} = region
            const head = sharedRegion(region, start, cut, offset)
            region.start = cut + 1
            region.offset = offset === undefined ? undefined : offset + cut + 1 - start
            await enqueue(head, fast.startsWithRecord(region.buf, region.start, end))
          }
        }
        held = region
      }
    }
    if (held) await enqueue(held, true)
    while (queue.length > 0) await settle(queue.shift()!)
  } finally {
    await pool?.close()
  }
  await writeRecords(assembler.finish())
  await flush(sink, out.stream, true)
  await out.close()
  const finalMiner = await ensureMiner()

  const templatesOutput = options.templatesOutput ?? defaultTemplatesPath(options.output)
  if (templatesOutput) {
    const t = await openOutput(templatesOutput, options.stdout ?? process.stdout)
    const tsink = new ByteOut(CHUNK)
    tsink.text('EventId,EventTemplate,Occurrences\n')
    for (const info of finalMiner.templates()) tsink.text(`${info.id},${csvField(info.template)},${info.count}\n`)
    await flush(tsink, t.stream, true)
    await t.close()
  }
  if (options.statePath) await saveTemplateState(options.statePath, finalMiner)
  const elapsedMs = performance.now() - started
  const detection = assembler.detection
  const lineCount = reader.stats.lines
  return {
    format: detection?.format.name ?? 'none',
    formatReason: detection ? describeDetection(detection) : 'empty input',
    lines: lineCount,
    records: assembler.stats.records + fastStats.records,
    skipped: assembler.stats.emptyLines + fastStats.blank,
    joined: assembler.stats.joinedLines,
    truncated: reader.stats.truncatedLines,
    invalidUtf8: reader.stats.invalidUtf8Lines,
    elapsedMs,
    linesPerSecond: elapsedMs > 0 ? (lineCount / elapsedMs) * 1000 : 0,
    templates: finalMiner.size,
    threads: pool?.started ? pool.size : 0,
    output: options.output,
    templatesOutput,
  }
}
