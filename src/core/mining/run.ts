/**
 * One stage-1 run (see mine.ts). Without CSV rows or line events to hand out, it is the plain
 * loop: regions are decoded into lines, the record assembler makes records, the miner mines them,
 * the visitor sees them. With CSV rows (or line events: the same, with fast-events.ts writing
 * events where fast-path.ts writes rows), regions of complete lines (a read buffer's worth) of an HDFS log take the
 * byte-level fast path when every line in them is a plain HDFS line and the next region does not
 * open with a continuation line, and go to worker threads when there are any; everything else
 * (the detection sample, other formats, stack traces, invalid UTF-8, over-long lines) goes
 * through the record assembler and the string miner. The fast path's code, its FastMiner and the
 * workers load only once format detection says HDFS (fast-modules.ts): other logs never need them.
 */
import {CANONICAL_LEVELS, LEVEL_RANK} from '../severity.js'
import {isUtf8} from 'node:buffer'
import {drained} from '../io/output.js'
import {DETECTION_SAMPLE} from '../ingest/formats/registry.js'
import {RecordAssembler, createRegionReader, describeDetection, type LogRecord, type RegionReader} from '../ingest/index.js'
import {countNewlines, nthNewline, releaseRegion, sharedRegion, type ByteRegion} from '../ingest/line-splitter.js'
import {TemplateMiner, configForFormat} from '../templates/index.js'
import type {EventWords} from './fast-events.js'
import type {FastCluster, FastMiner} from './fast-miner.js'
import type * as FastModules from './fast-modules.js'
import {LineBatch} from './line-batch.js'
import {ORDINAL_WORDS, PARTIALS_HEAD, writePartials} from '../sessions/partials.js'
import type {ByteOut, FastStats, HdfsFastPath} from './fast-path.js'
import type {CsvRows, MineOptions, MineResult, MineVisitor, TemplateMeta} from './mine.js'
import {dropStandby} from './standby.js'
import {carryOrigin, loadTemplateState} from './state-file.js'
import type {ParsePool, RegionResult, RemoteRegion, WorkerSetup} from './worker-pool.js'

type Fast = typeof FastModules
let fastModules: Promise<Fast> | undefined
/** The fast path's code, loaded the first time a run meets an HDFS log (see fast-modules.ts). */
function loadFast(): Promise<Fast> {
  return (fastModules ??= import('./fast-modules.js'))
}


/** A region in input order; a worker's result is taken at its turn if still current (ParsePool). */
interface Job {
  region: ByteRegion
  nextStartsRecord: boolean
  firstLineId: number
  /** Lines in the region. */
  lines: number
  remote?: RemoteRegion
}

/** Hands full buffers to the stream, waiting when it is full, so a slow pipe never makes us hold the CSV. */
export async function flushRows(out: ByteOut, stream: NodeJS.WritableStream, all = false): Promise<void> {
  for (const chunk of out.take(all)) if (!stream.write(chunk)) await drained(stream)
}

export class MiningRun {
  private readonly started = performance.now()
  private readonly reader: RegionReader
  private readonly assembler: RecordAssembler
  private readonly csv: CsvRows | undefined
  /**
   * CSV rows or line events are wanted: regions go through regionsWithFastPath(), and once the
   * log is known to be HDFS (startMiner) the fast path's code is loaded and `fast` made.
   */
  private fastWanted: boolean
  /** The fast path's modules, the byte fast path and its miner's class; undefined while every line takes the string path. */
  private fm: Fast | undefined
  private fast: HdfsFastPath | undefined
  private readonly fastStats: FastStats = {lines: 0, records: 0, blank: 0}
  private threads = 0
  /** Started with the fast path (workers prestarted by bin/run.js have loaded meanwhile). */
  private pool: ParsePool | undefined
  private miner: TemplateMiner | undefined
  private setup: WorkerSetup | undefined
  private warmed = false
  /** Every region has been handled: what is left (the assembler's last records) needs no workers. */
  private regionsDone = false
  private records = 0
  private nextLineId = 1
  private lastProgress = 0
  private readonly lines: string[] = []
  private readonly queue: Job[] = []
  private dispatchedLines = 0
  private readonly indexOf = new Map<string, number>()
  private readonly templates: TemplateMeta[] = []
  /** Line events (visitor.events): the main thread's, the batch they are read into, ordinal → template index. */
  private eventOut: EventWords | undefined
  private readonly clusters: FastCluster[] = []
  private readonly batch = new LineBatch()
  private ordinalIndex = new Int32Array(256)
  /** The main thread's partial sessions of a region (visitor.partials), grown as needed. */
  private partialOut = new Float64Array(1 << 16)

  constructor(
    private readonly options: MineOptions,
    private readonly visitor: MineVisitor,
    private readonly inputBytes: number | undefined,
  ) {
    this.reader = createRegionReader(options.input, {onWarning: options.onWarning, signal: options.signal})
    this.assembler = new RecordAssembler({format: options.format ?? 'auto', onWarning: options.onWarning, now: options.now})
    this.csv = visitor.csv
    // (A given miner that is not a FastMiner keeps every line on the string path: see run().)
    this.fastWanted = (this.csv !== undefined || visitor.events !== undefined) && options.fast !== false
  }

  private get formatName(): string | undefined {
    return this.assembler.detection?.format.name
  }

  /** The miner, made (or loaded) once the format is known: its masking defaults apply from then on. */
  private async startMiner(): Promise<TemplateMiner> {
    if (this.miner) return this.miner
    const {options} = this
    // Only an HDFS log can take the byte path: any other keeps the plain miner (same templates).
    const fm = this.fastWanted && this.formatName === 'hdfs' ? await loadFast() : undefined
    const kind = fm ? fm.FastMiner : TemplateMiner
    let miner = options.miner ?? (options.statePath ? await loadTemplateState(options.statePath, this.formatName, kind, options.parser) : new kind(configForFormat(this.formatName, options.parser)))
    // User rules rewrite lines as strings: such a miner stays off the byte path and the workers.
    if (fm && miner instanceof fm.FastMiner && miner.preprocesses) {
      const plain = TemplateMiner.fromJSON(miner.toJSON())
      carryOrigin(miner, plain)
      miner = plain
    }
    this.miner = miner
    if (fm && miner instanceof fm.FastMiner) this.startFast(fm, miner)
    else dropStandby()
    return miner
  }

  /** The byte fast path (and the workers, on a big file) for an HDFS log mined by `miner`, which has mined nothing yet. */
  private startFast(fm: Fast, miner: FastMiner): void {
    const {options, inputBytes} = this
    const maxLineBytes = this.reader.splitter.maxLineBytes
    this.fm = fm
    this.fast = new fm.HdfsFastPath(maxLineBytes)
    this.eventOut = new fm.EventWords(new Int32Array(1 << 16), true)
    this.threads = fm.poolSize(options.jobs, inputBytes)
    if (this.threads === 0 || this.regionsDone) return dropStandby()
    this.pool = new fm.ParsePool(this.threads, maxLineBytes, inputBytes !== undefined ? (typeof options.input === 'string' ? options.input : options.input.path) : undefined, undefined, this.csv === undefined)
    // Workers replay this miner's misses from its starting state.
    this.setup = {state: options.statePath || options.miner ? miner.toJSON() : null, config: miner.config}
    miner.missLog = []
  }

  /** The one add loop: every record of the string path is mined here, in input order. */
  private async mineRecords(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return
    const miner = this.miner ?? (await this.startMiner())
    const visit = this.visitor.record
    const {indexOf, templates} = this
    for (const record of records) {
      const added = miner.add(record.content)
      const templateId = added.templateId
      let index = indexOf.get(templateId)
      let meta: TemplateMeta
      if (index === undefined) {
        index = templates.length
        indexOf.set(templateId, index)
        meta = {id: templateId, level: record.level, component: record.component, count: 0}
        templates.push(meta)
      } else {
        meta = templates[index]
        if (record.level !== undefined && (meta.level === undefined || (LEVEL_RANK[record.level] ?? 2) > (LEVEL_RANK[meta.level] ?? 2))) meta.level = record.level
      }
      meta.count++
      this.records++
      visit?.(record, index, added, miner)
    }
  }

  async run(): Promise<MineResult> {
    try {
      if (this.fastWanted && this.options.miner !== undefined) {
        // A given miner takes the byte path only if it is a FastMiner (then this module is loaded already).
        const {FastMiner} = await import('./fast-miner.js')
        this.fastWanted = this.options.miner instanceof FastMiner
      }
      if (this.fastWanted) await this.regionsWithFastPath()
      else {
        for await (const regions of this.reader.regions()) {
          for (const region of regions) {
            await this.decodeAndMine(region)
            releaseRegion(region)
          }
        }
      }
    } finally {
      this.regionsDone = true
      await this.pool?.close()
    }
    await this.mineRecords(this.assembler.finish())
    const miner = this.miner ?? (await this.startMiner())
    const elapsedMs = performance.now() - this.started
    const detection = this.assembler.detection
    const {stats} = this.reader
    return {
      miner,
      templates: this.templates,
      format: detection?.format.name ?? 'none',
      formatReason: detection ? describeDetection(detection) : 'empty input',
      lines: stats.lines,
      records: this.records + this.fastStats.records,
      skipped: this.assembler.stats.emptyLines + this.fastStats.blank,
      joined: this.assembler.stats.joinedLines,
      truncated: stats.truncatedLines,
      invalidUtf8: stats.invalidUtf8Lines,
      elapsedMs,
      linesPerSecond: elapsedMs > 0 ? (stats.lines / elapsedMs) * 1000 : 0,
      threads: this.pool?.started ? this.pool.size : 0,
    }
  }

  /** The string path for one region. */
  private async decodeAndMine(region: ByteRegion): Promise<void> {
    const lines = this.lines
    lines.length = 0
    this.reader.splitter.decode(region, lines)
    await this.mineRecords(this.assembler.push(lines, this.nextLineId))
    this.nextLineId += lines.length
    await this.afterRegion()
  }

  private async afterRegion(): Promise<void> {
    const {options, csv} = this
    if (csv) await flushRows(csv.sink, csv.stream)
    if (options.afterBatch) await options.afterBatch()
    const stats = this.reader.stats
    if (options.onProgress && stats.lines - this.lastProgress >= 50_000) {
      this.lastProgress = stats.lines
      options.onProgress({lines: stats.lines, bytesRead: stats.bytesRead, totalBytes: stats.totalBytes})
    }
  }

  private countLines(n: number): void {
    this.reader.splitter.countLines(n)
    this.nextLineId += n
  }

  /**
   * Whether a region opens with a new record. Only HDFS regions may take the fast path, where it
   * matters; before the format is known, or on other logs, a region always takes the string path
   * at its turn, whatever this says.
   */
  private async opensRecord(region: ByteRegion): Promise<boolean> {
    if (this.formatName === 'hdfs' && this.miner === undefined) await this.startMiner()
    return this.fast ? this.fast.startsWithRecord(region.buf, region.start, region.end) : true
  }

  private async regionsWithFastPath(): Promise<void> {
    // One region is held back until the next one shows whether it opens with a new record: if it
    // opens with a continuation line instead, the held region's last record must stay open.
    let held: ByteRegion | null = null
    for await (const regions of this.reader.regions()) {
      for (const region of regions) {
        if (held) await this.enqueue(held, await this.opensRecord(region))
        if (this.formatName === undefined && !region.carried && !region.truncated) {
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
            await this.enqueue(head, await this.opensRecord(region))
          }
        }
        held = region
      }
    }
    if (held) await this.enqueue(held, true)
    while (this.queue.length > 0) await this.settle(this.queue.shift()!)
  }

  /** A region whose turn has come, on this thread: the fast path when it can, else the string path. */
  private async handle(region: ByteRegion, nextStartsRecord: boolean): Promise<void> {
    const {buf, start, end} = region
    // (startMiner makes `fast` for an HDFS log; not for a miner with user rules, a plain
    // TemplateMiner, which the byte path cannot feed.)
    const fast = nextStartsRecord && !region.truncated && this.formatName === 'hdfs' && (await this.startMiner()) && this.fast
    const fm = this.fm!
    if (fast && !this.warmed && !this.pool && (this.inputBytes ?? 0) >= 8 * 2 ** 20) {
      // Alone on a big file, warm the fast path up first: V8 then optimises it once, with the
      // feedback of every token shape, instead of again each time a new branch turns up.
      // (Line events, not rows, for a run without CSV: the path it will take.)
      fm.warmUp(fast, false, undefined, this.csv === undefined)
      fm.warmUpOn(fast, buf, start, end, 300, undefined, this.csv === undefined)
      this.warmed = true
    }
    if (fast && isUtf8(buf.subarray(start, end)) && fast.validate(buf, start, end)) {
      await this.mineRecords(this.assembler.finish())
      const before = this.fastStats.lines
      const miner = (await this.startMiner()) as FastMiner
      if (this.csv) fast.write(buf, this.nextLineId, miner, this.csv.sink, this.fastStats)
      else {
        const out = this.eventOut!
        out.n = 0
        fm.writeEvents(fast, buf, start, miner, out, this.fastStats, this.clusters, true)
        const clusters = this.clusters
        const bytes = buf.subarray(start, end)
        if (this.wantsPartials) {
          let n: number
          while ((n = writePartials(out.words, out.n, out.blocks.size, this.partialOut)) < 0) this.partialOut = new Float64Array(2 * this.partialOut.length)
          this.visitPartials(this.partialOut, bytes, this.nextLineId, (o) => clusters[o].templateId)
        } else this.visitEvents(out.words, out.n, out.blocks.size, bytes, this.nextLineId, (o) => clusters[o].templateId)
        for (const c of clusters) c.tally = 0
        clusters.length = 0
      }
      this.countLines(this.fastStats.lines - before)
      await this.afterRegion()
    } else await this.decodeAndMine(region)
  }

  private async settle(job: Job): Promise<void> {
    try {
      await this.settleJob(job)
    } finally {
      // Nothing refers to the region's bytes any more: its read buffer may be read into again.
      releaseRegion(job.region)
    }
  }

  private async settleJob(job: Job): Promise<void> {
    if (!job.remote) return this.handle(job.region, job.nextStartsRecord)
    const pool = this.pool!
    const miner = this.miner as FastMiner
    let remote = job.remote
    let r = await remote.result
    if ((r.status === 'miss' || (r.status === 'ok' && !pool.current(r, remote.version, remote.clears))) && miner.evictions === 0) {
      // A new shape, or templates it used changed since: now that it is this region's turn, a
      // worker does it again in exact mode (so the main thread stays free to read and write).
      pool.release(remote.slot)
      remote = await pool.run(job.region, job.firstLineId, job.lines, true, this.csv === undefined, this.wantsPartials)
      r = await remote.result
    }
    if (r.status === 'ok' && (remote.exact || pool.current(r, remote.version, remote.clears))) {
      if (r.misses) pool.adopt(remote, r.misses)
      await this.mineRecords(this.assembler.finish())
      if (r.eventWords !== undefined) return this.settleEvents(job, remote, r)
      // The worker's rows go from shared memory to the output, after what is buffered before them.
      const {sink, stream} = this.csv!
      await flushRows(sink, stream, true)
      const slot = remote.slot
      if (!stream.write(pool.rows(remote, r.csvLength!), () => pool.release(slot))) await drained(stream)
      if (r.extra && !stream.write(Buffer.from(r.extra))) await drained(stream)
      for (const [id, index, n] of r.counts!) miner.addCount(id, index, n)
      this.fastStats.records += r.stats!.records
      this.fastStats.blank += r.stats!.blank
      this.fastStats.lines += r.stats!.lines
      this.countLines(r.stats!.lines)
      await this.afterRegion()
    } else {
      pool.release(remote.slot)
      await this.handle(job.region, job.nextStartsRecord)
    }
  }

  /** A worker's line events, read out of its slot (released after) and visited. */
  private async settleEvents(job: Job, remote: RemoteRegion, r: RegionResult): Promise<void> {
    const pool = this.pool!
    const miner = this.miner as FastMiner
    const counts = r.counts!
    try {
      const bytes = pool.regionBytes(remote, remote.length)
      if (r.partialWords !== undefined) this.visitPartials(pool.partials(remote, r.partialWords), bytes, job.firstLineId, (o) => counts[o][0])
      else this.visitEvents(pool.events(remote, r.eventWords!), r.eventWords!, r.eventBlocks!, bytes, job.firstLineId, (o) => counts[o][0])
    } finally {
      pool.release(remote.slot)
    }
    for (const [id, index, n] of counts) miner.addCount(id, index, n)
    this.fastStats.records += r.stats!.records
    this.fastStats.blank += r.stats!.blank
    this.fastStats.lines += r.stats!.lines
    this.countLines(r.stats!.lines)
    await this.afterRegion()
  }

  /**
   * Reads a region's events into the batch, gives each record its template index and the
   * template's meta what mineRecords() would have (first level and component, worst level, count),
   * and hands the batch to the visitor. `templateId`: the id of the cluster of an ordinal.
   */
  private visitEvents(words: Int32Array, count: number, blocks: number, bytes: Buffer, firstLineId: number, templateId: (ordinal: number) => string): void {
    const batch = this.batch
    this.fm!.readEvents(words, count, blocks, bytes, firstLineId, batch)
    const map = this.ordinals(batch.n)
    map.fill(-1)
    const templates = this.templates
    for (let i = 0; i < batch.n; i++) {
      const o = batch.template[i]
      let index = map[o]
      if (index < 0) index = map[o] = this.templateIndex(templateId(o), batch.level[i], batch.componentStart[i], batch.componentEnd[i], bytes)
      const meta = templates[index]
      worsen(meta, batch.level[i])
      meta.count++
      batch.template[i] = index
    }
    this.visitor.events!(batch)
  }

  /** True when regions of line events go to the visitor as partial sessions (asked when a region is sent or done). */
  private get wantsPartials(): boolean {
    return this.csv === undefined && this.visitor.partials?.takesPartials === true
  }

  /**
   * visitEvents() for a region's partial sessions (sessions/partials.ts): the templates' meta from
   * the per-cluster summary (first line's level and component, worst level, lines), then the
   * partials to the visitor.
   */
  private visitPartials(p: Float64Array, bytes: Buffer, firstLineId: number, templateId: (ordinal: number) => string): void {
    const ordinals = p[2]
    const map = this.ordinals(ordinals)
    for (let o = 0; o < ordinals; o++) {
      const m = PARTIALS_HEAD + ORDINAL_WORDS * o
      const index = this.templateIndex(templateId(o), p[m], p[m + 1], p[m + 2], bytes)
      const meta = this.templates[index]
      worsen(meta, p[m + 3])
      meta.count += p[m + 4]
      map[o] = index
    }
    this.visitor.partials!.addPartials(p, bytes, firstLineId, map)
  }

  /** The ordinal → template index map, with room for n. */
  private ordinals(n: number): Int32Array {
    if (this.ordinalIndex.length < n) this.ordinalIndex = new Int32Array(Math.max(n, 2 * this.ordinalIndex.length))
    return this.ordinalIndex
  }

  /**
   * The index of template `id`; a new one takes its meta from its first line: level code (as
   * line events carry it), component bytes[compStart, compEnd) (-1: none).
   */
  private templateIndex(id: string, level: number, compStart: number, compEnd: number, bytes: Buffer): number {
    const known = this.indexOf.get(id)
    if (known !== undefined) return known
    const index = this.templates.length
    this.indexOf.set(id, index)
    this.templates.push({id, level: level < 0 ? undefined : CANONICAL_LEVELS[level], component: compStart < 0 ? undefined : bytes.utf8Slice(compStart, compEnd), count: 0})
    return index
  }

  private async enqueue(region: ByteRegion, nextStartsRecord: boolean): Promise<void> {
    const {pool, queue} = this
    const lineCount = countNewlines(region) + 1
    const job: Job = {region, nextStartsRecord, firstLineId: this.dispatchedLines + 1, lines: lineCount}
    const miner = this.miner
    // Until a worker has warmed up, this thread does the regions itself (in order, mining them
    // for real): the shapes the first regions bring are then known to the workers when they
    // start, instead of each of them making a worker's result be redone.
    // (A pool exists only beside a FastMiner: startFast.)
    if (pool?.anyReady && nextStartsRecord && !region.truncated && region.end - region.start <= this.fm!.SLOT_INPUT && this.formatName === 'hdfs' && (miner as FastMiner).evictions === 0) {
      if (!pool.started) pool.start(miner as FastMiner, this.setup!)
      // With nothing before it pending, the region's turn has come: the worker mines it for real
      // at once, instead of looking it up and (at the start of a log, when most regions still
      // bring new shapes) doing it again at its turn.
      job.remote = await pool.run(region, this.dispatchedLines + 1, lineCount, queue.length === 0, this.csv === undefined, this.wantsPartials)
    }
    this.dispatchedLines += lineCount
    queue.push(job)
    // Local jobs run as soon as everything before them is done; at most 3 regions per worker wait.
    while (queue.length > 0 && (!queue[0].remote || queue.length > 3 * Math.max(1, this.threads))) await this.settle(queue.shift()!)
  }
}

/** A template's meta keeps the worst level of its lines (the first of the highest rank): a line's level code (-1 or past CANONICAL_LEVELS: none). */
function worsen(meta: TemplateMeta, level: number): void {
  if (level >= 0 && (meta.level === undefined || LEVEL_RANK[CANONICAL_LEVELS[level]] > (LEVEL_RANK[meta.level] ?? 2))) meta.level = CANONICAL_LEVELS[level]
}
