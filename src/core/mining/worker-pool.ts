/**
 * Worker threads for `flare parse` (and `flare detect`, whose jobs ask for line events instead of
 * rows: fast-events.ts): regions of an HDFS log are turned into CSV bytes on every core while the main thread reads, keeps the one true miner, and writes the results in input
 * order. Each worker holds a read-only replica of the miner that is kept in step by replaying the
 * main miner's miss log (the masked shapes that went through the Drain tree, in order). A result
 * is used only when none of the templates it used changed between its dispatch and its turn;
 * otherwise a worker does the region again in exact mode at its turn, so the output never depends
 * on timing.
 *
 * Bytes move through shared memory: each job slot has an input area and an output area the worker
 * writes rows into, which the main thread hands to the output stream as they are. The worker
 * reads a region of a plain input file into its slot itself, by offset (checked against the line
 * count and edge bytes the main thread saw); other regions (stdin, gzip, a line carried across
 * read buffers) are copied in by the main thread. Messages carry only offsets, so nothing is
 * allocated per region and neither side's garbage collector is kept busy by megabytes of
 * transferred buffers.
 */
import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'
import type {ByteRegion} from '../ingest/line-splitter.js'
import type {FastStats} from './fast-path.js'
import type {FastMiner} from './fast-miner.js'
import {standby, type Standby} from './standby.js'

/** How a worker builds its replica: sent with its first job (workers start before the format is known). */
export interface WorkerSetup {
  /** The miner's state before anything was mined (a `--state` file), or null to start empty. */
  state: unknown
  config: unknown
}

/** What a worker is started with (the rest comes in its first message, a SharedSetup). */
export interface WorkerData {
  maxLineBytes: number
  /** The jobs will ask for line events (`flare detect`), not rows: the warm-up runs that path (warm-up.ts). */
  events: boolean
}

export interface SharedSetup {
  /** The input file, when regions may be read from it by offset (RegionJob.offset). */
  path?: string
  input: SharedArrayBuffer
  output: SharedArrayBuffer
  inSize: number
  outSize: number
}

export interface RegionJob {
  id: number
  /** Job slot: the region is input[slot * inSize, + length); rows go to output[slot * outSize, ...). */
  slot: number
  length: number
  /**
   * When set, the region is not in the slot yet: the worker reads `length` bytes of the input
   * file at this offset into it, and takes them only if they hold `lines` lines and begin and end
   * with the bytes `head` / `tail` as the main thread read them (else: status 'slow').
   */
  offset?: number
  lines?: number
  head?: number
  tail?: number
  firstLineId: number
  /** Miss-log entries the worker has not replayed yet. */
  misses: Array<{tokens: string[]; hash: number}>
  /** With the worker's first job: how to build its replica. */
  init?: WorkerSetup
  /**
   * The worker's replica is the main miner's state at this region's turn: mine for real (new
   * shapes included) and return the misses for the main miner to replay.
   */
  exact?: boolean
  /** Write line events (fast-events.ts) instead of CSV rows. */
  events?: boolean
  /**
   * With events: write the partial sessions the events make (sessions/partials.ts) instead of
   * the events, when they fit the slot.
   */
  partials?: boolean
}

export interface RegionResult {
  id: number
  /** ok: rows written; slow: not plain HDFS (the string pipeline must do it); miss: a new shape or no room. */
  status: 'ok' | 'slow' | 'miss'
  /** Bytes of rows in the slot's output area. */
  csvLength?: number
  /** Events jobs: Int32 words of events in the slot's output area (they always fit it). */
  eventWords?: number
  /** Events jobs: distinct block ids (the table at the end of the words). */
  eventBlocks?: number
  /** Partials jobs: Float64 numbers of partial sessions in the slot's output area (else the events are there). */
  partialWords?: number
  /** Rows that did not fit the slot (exact jobs only), after those in it. */
  extra?: ArrayBuffer
  /** Exact jobs: the shapes the replica sent through its tree, in order. */
  misses?: Array<{tokens: string[]; hash: number}>
  /** [templateId, cluster index within the template, lines] */
  counts?: Array<[string, number, number]>
  stats?: FastStats
}

/** A dispatched region: its result, the output it points into, and what the miner looked like. */
export interface RemoteRegion {
  version: number
  clears: number
  slot: number
  exact: boolean
  thread: number
  /** Bytes of the region. */
  length: number
  result: Promise<RegionResult>
}

/** The compiled worker script next to this module, or null when running from sources (tests). */
function workerUrl(): URL | null {
  const url = new URL('./worker.js', import.meta.url)
  return existsSync(fileURLToPath(url)) ? url : null
}

/** Threads worth using for `jobs` (0 = one per core) on an input of `bytes` (unknown: undefined). */
export function poolSize(jobs: number | undefined, bytes: number | undefined): number {
  const cores = availableParallelism()
  // More threads than a few per core only cost memory (each holds its own slots) and start-up;
  // the CSV is the same whatever the number, so a large --jobs is quietly capped.
  const n = jobs === undefined || jobs <= 0 ? Math.min(cores, 8) : Math.min(jobs, 4 * cores, 16)
  // Below a few regions the threads cost more than they save.
  if (n < 2 || (bytes !== undefined && bytes < 8 * 2 ** 20) || !workerUrl()) return 0
  return n
}

/** Largest region a slot takes; bigger ones (a long carried line) are done on the main thread. */
export const SLOT_INPUT = 2 << 20

/**
 * Starts `count` parse workers now for a ParsePool of lines up to `maxLineBytes` made later in
 * this process, which takes them over instead of starting its own. They load their code and wait;
 * warmStandby() or the pool sets their warm-up off. They do not keep the process alive: a run
 * that makes no pool exits as it would have (after stopping them: standby.ts dropStandby), and a
 * pool that needs fewer (or other) workers stops the rest.
 */
export function prestartWorkers(count: number, maxLineBytes: number, events = false): Worker[] {
  const url = workerUrl()
  if (!url) return []
  const started: Worker[] = []
  for (let i = 0; i < count; i++) {
    const worker = new Worker(url, {workerData: {maxLineBytes, events} satisfies WorkerData})
    const entry: Standby = {worker, maxLineBytes, ready: false, dead: false, detach: () => {}}
    const onMessage = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && 'ready' in m) entry.ready = true
    }
    // Failures are the pool's to report once it takes the worker; until then it is just not taken.
    const onGone = (): void => {
      entry.dead = true
    }
    worker.on('message', onMessage)
    worker.on('error', onGone)
    worker.on('exit', onGone)
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref()
    entry.detach = () => {
      worker.off('message', onMessage)
      worker.off('error', onGone)
      worker.off('exit', onGone)
    }
    standby.push(entry)
    started.push(worker)
  }
  return started
}

/**
 * Tells the workers started ahead to warm up now (they wait for this, or for their pool, so that
 * their warm-up does not compete with the loading the caller does right after starting them).
 */
export function warmStandby(): void {
  for (const s of standby) if (!s.dead) s.worker.postMessage({warm: true})
}

interface Thread {
  worker: Worker
  initialized: boolean
  /** Miss-log entries (absolute count) already sent to this worker. */
  sent: number
  /** Bytes of the regions sent to it and not answered yet (a carried line weighs next to nothing). */
  inflight: number
  /** The worker has warmed up and takes jobs at once (it says so with a {ready} message). */
  ready: boolean
  /** The worker failed or exited: it gets no more jobs. */
  dead: boolean
}

export class ParsePool {
  private readonly threads: Thread[] = []
  private readonly waiting = new Map<number, {resolve: (r: RegionResult) => void; reject: (e: unknown) => void; thread: Thread; bytes: number}>()
  private nextId = 0
  /** Absolute index of missLog[0]: entries every worker has are dropped from the log. */
  private base = 0
  private readonly input: SharedArrayBuffer
  private readonly output: SharedArrayBuffer
  private readonly outSize: number
  private readonly free: number[] = []
  private readonly slotWaiters: Array<() => void> = []
  /** run() calls waiting for a first worker to be ready (or for every one to have failed). */
  private readonly readyWaiters: Array<() => void> = []

  private miner: FastMiner | undefined
  private setup: WorkerSetup | undefined
  private readonly path: string | undefined

  /**
   * Starts the threads at once (they load while the first lines are read and the format is
   * detected); start() hands them the miner before the first job.
   */
  /** `path`: the input file, when regions that carry an offset may be read from it by the workers. */
  /** `events`: the jobs will ask for line events (the workers it starts warm that path up). */
  constructor(size: number, maxLineBytes: number, path?: string, slots = 3 * size + 2, events = false) {
    const url = workerUrl()
    if (!url) throw new Error('parse worker script not built')
    this.path = path
    // Rows take about twice the bytes of their lines; three times leaves room for odd ones.
    this.outSize = 3 * SLOT_INPUT + (1 << 16)
    this.input = new SharedArrayBuffer(slots * SLOT_INPUT)
    this.output = new SharedArrayBuffer(slots * this.outSize)
    for (let i = 0; i < slots; i++) this.free.push(i)
    const shared: SharedSetup = {path, input: this.input, output: this.output, inSize: SLOT_INPUT, outSize: this.outSize}
    // Workers started ahead for this run, as many as fit; any others are of no use now.
    const ahead = standby.splice(0).filter((s) => {
      s.detach()
      if (!s.dead && s.maxLineBytes === maxLineBytes) return true
      void s.worker.terminate()
      return false
    })
    for (const s of ahead.splice(size)) void s.worker.terminate()
    for (let i = 0; i < size; i++) {
      const early = ahead[i]
      const worker = early?.worker ?? new Worker(url, {workerData: {maxLineBytes, events} satisfies WorkerData})
      worker.ref()
      worker.postMessage({setup: shared})
      const thread: Thread = {worker, initialized: false, sent: 0, inflight: 0, ready: early?.ready ?? false, dead: false}
      const wake = (): void => {
        for (const resolve of this.readyWaiters.splice(0)) resolve()
      }
      thread.worker.on('message', (r: RegionResult | {ready: true}) => {
        if ('ready' in r) {
          thread.ready = true
          return wake()
        }
        const w = this.waiting.get(r.id)
        if (!w) return
        this.waiting.delete(r.id)
        thread.inflight -= w.bytes
        w.resolve(r)
      })
      thread.worker.on('error', (error) => {
        thread.dead = true
        wake()
        if (!this.closed) this.fail(thread, error)
      })
      thread.worker.on('exit', (code) => {
        thread.dead = true
        wake()
        // Terminated by close(): the run is over (it may be failing with an error of its own, which
        // a rejection nobody awaits any more would replace).
        if (code !== 0 && !this.closed) this.fail(thread, new Error(`parse worker exited with code ${code}`))
      })
      this.threads.push(thread)
    }
  }

  /** True once some worker has warmed up (or every one has failed: run() then says so). */
  get anyReady(): boolean {
    return this.threads.some((t) => t.ready || t.dead)
  }

  /** Resolves once every worker that has not failed is warmed up. */
  async allReady(): Promise<void> {
    while (this.threads.some((t) => !t.ready && !t.dead)) await new Promise<void>((resolve) => this.readyWaiters.push(resolve))
  }

  /** True once start() gave the threads a miner to follow. */
  get started(): boolean {
    return this.miner !== undefined
  }

  /** The miner the replicas follow; it must not have mined anything yet (its misses are the log). */
  start(miner: FastMiner, setup: WorkerSetup): void {
    this.miner = miner
    this.setup = setup
    miner.missLog ??= []
  }

  get size(): number {
    return this.threads.length
  }

  /** Shapes the main miner has sent through its tree so far. */
  get version(): number {
    return this.miner!.missCount
  }

  /**
   * True when a result produced at `version` is what the main miner would write now: no cache
   * clear or eviction since, and none of the templates its rows used changed after `version`.
   */
  current(result: RegionResult, version: number, clears: number): boolean {
    const m = this.miner!
    if (result.status !== 'ok' || m.evictions > 0 || m.cacheClears !== clears) return false
    if (result.misses) return true
    if (version === m.missCount) return true
    for (const [templateId] of result.counts!) if (m.changedSince(templateId, version)) return false
    return true
  }

  /** The rows of a finished job (a view of shared memory: release the slot once written). */
  rows(remote: RemoteRegion, length: number): Buffer {
    return Buffer.from(this.output, remote.slot * this.outSize, length)
  }

  /** The events of a finished events job (a view of shared memory: read it before releasing the slot). */
  events(remote: RemoteRegion, words: number): Int32Array {
    return new Int32Array(this.output, remote.slot * this.outSize, words)
  }

  /** The partial sessions of a finished partials job (a view of shared memory, as events()). */
  partials(remote: RemoteRegion, numbers: number): Float64Array {
    return new Float64Array(this.output, remote.slot * this.outSize, numbers)
  }

  /** The bytes of a job's region as the worker read them (what its events' offsets point into). */
  regionBytes(remote: RemoteRegion, length: number): Buffer {
    return Buffer.from(this.input, remote.slot * SLOT_INPUT, length)
  }

  /** Makes a job slot free again. */
  release(slot: number): void {
    this.free.push(slot)
    this.slotWaiters.shift()?.()
  }

  /**
   * The main miner takes over what an exact job's replica mined (without counting its lines: the
   * result's counts do that); that worker already has these misses.
   */
  adopt(remote: RemoteRegion, misses: Array<{tokens: string[]; hash: number}>): void {
    const log = this.miner!.missLog!
    for (const m of misses) {
      this.miner!.replay(m.tokens, m.hash, false)
      log.push(m)
    }
    this.threads[remote.thread].sent = this.version
  }

  /**
   * Sends a region of `lines` lines (at most SLOT_INPUT bytes) to the least busy worker, in a free
   * slot: a region that says where it lies in the input file is read there by the worker (a
   * kernel copy, off this thread), any other is copied in here. `exact`: the region's turn has
   * come (nothing before it is pending), so the worker mines it for real (see RegionJob.exact).
   */
  async run(region: ByteRegion, firstLineId: number, lines: number, exact = false, events = false, partials = false): Promise<RemoteRegion> {
    while (this.free.length === 0) await new Promise<void>((resolve) => this.slotWaiters.push(resolve))
    const slot = this.free.pop()!
    const length = region.end - region.start
    let file: Pick<RegionJob, 'offset' | 'lines' | 'head' | 'tail'> = {}
    if (this.path !== undefined && region.offset !== undefined && length >= 4) {
      const {buf, start, end} = region
      file = {offset: region.offset, lines, head: buf.readUInt32LE(start), tail: buf.readUInt32LE(end - 4)}
    } else new Uint8Array(this.input, slot * SLOT_INPUT, length).set(region.buf.subarray(region.start, region.end))
    // The first jobs wait for a worker that has warmed up, rather than queue behind the warm-up
    // of whichever worker comes first in the list (the first job is mined exactly, and every
    // region after it waits for it).
    while (!this.threads.some((t) => t.ready || t.dead)) await new Promise<void>((resolve) => this.readyWaiters.push(resolve))
    // The least loaded worker takes it; one still warming up counts as a quarter slot loaded (it
    // will be ready soon, and jobs should not all pile up on the first one that is).
    const load = (t: Thread): number => t.inflight + (t.ready ? 0 : SLOT_INPUT / 4)
    let thread: Thread | undefined
    for (const t of this.threads) if (!t.dead && (thread === undefined || load(t) < load(thread))) thread = t
    if (thread === undefined) {
      this.release(slot)
      throw new Error('every parse worker failed')
    }
    const log = this.miner!.missLog!
    const misses = log.slice(thread.sent - this.base)
    const init = thread.initialized ? undefined : this.setup
    thread.initialized = true
    thread.sent = this.version
    thread.inflight += length
    const id = this.nextId++
    const version = this.version
    const result = new Promise<RegionResult>((resolve, reject) => this.waiting.set(id, {resolve, reject, thread, bytes: length}))
    thread.worker.postMessage({id, slot, length, ...file, firstLineId, misses, init, exact, events, partials} satisfies RegionJob)
    this.trim()
    return {version, clears: this.miner!.cacheClears, slot, exact, thread: this.threads.indexOf(thread), length, result}
  }

  /** Drops the miss-log entries every worker has replayed, so the log stays small. */
  private trim(): void {
    let min = Infinity
    for (const t of this.threads) min = Math.min(min, t.sent)
    const drop = min - this.base
    if (drop > 1024) {
      this.miner!.missLog!.splice(0, drop)
      this.base = min
    }
  }

  private fail(thread: Thread, error: unknown): void {
    for (const [id, w] of this.waiting) {
      if (w.thread !== thread) continue
      this.waiting.delete(id)
      w.reject(error)
    }
  }

  /** Set by close(): the workers' exits are expected, and jobs still out are dropped. */
  private closed = false

  async close(): Promise<void> {
    this.closed = true
    this.waiting.clear()
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }
}
