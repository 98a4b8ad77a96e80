/**
 * Worker threads for `flare parse`: regions of an HDFS log are turned into CSV bytes on every
 * core while the main thread reads, keeps the one true miner, and writes the results in input
 * order. Each worker holds a read-only replica of the miner that is kept in step by replaying the
 * main miner's miss log (the masked shapes that went through the Drain tree, in order). A result
 * is used only when no new shape appeared between its dispatch and its turn; otherwise the main
 * thread does the region again itself, so the output never depends on timing.
 */
import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'
import type {FastStats} from './parse-bytes.js'
import type {TemplateMiner} from './templates/index.js'

export interface WorkerSetup {
  /** The miner's state before anything was mined (a `--state` file), or null to start empty. */
  state: unknown
  config: unknown
  maxLineBytes: number
}

export interface RegionJob {
  id: number
  /** The region's bytes (complete lines, the last newline excluded) within a transferred buffer. */
  bytes: {buffer: ArrayBuffer; offset: number; length: number}
  firstLineId: number
  /** Miss-log entries the worker has not replayed yet. */
  misses: Array<{tokens: string[]; hash: number}>
}

export interface RegionResult {
  id: number
  /** ok: rows written; slow: not plain HDFS (the string pipeline must do it); miss: a new shape. */
  status: 'ok' | 'slow' | 'miss'
  /** The region's bytes, handed back. */
  bytes: {buffer: ArrayBuffer; offset: number; length: number}
  /** The rows: csv[0, csvLength). */
  csv?: ArrayBuffer
  csvLength?: number
  /** [templateId, cluster index within the template, lines] */
  counts?: Array<[string, number, number]>
  stats?: FastStats
}

/** The compiled worker script next to this module, or null when running from sources (tests). */
function workerUrl(): URL | null {
  const url = new URL('./parse-worker.js', import.meta.url)
  return existsSync(fileURLToPath(url)) ? url : null
}

/** Workers worth starting for `jobs` (0 = one per core) on an input of `bytes` (unknown: undefined). */
export function poolSize(jobs: number | undefined, bytes: number | undefined): number {
  const cores = availableParallelism()
  const n = jobs === undefined || jobs <= 0 ? Math.min(cores, 8) : jobs
  // Below a few regions the threads cost more than they save.
  if (n < 2 || (bytes !== undefined && bytes < 8 * 2 ** 20) || !workerUrl()) return 0
  return n
}

interface Slot {
  worker: Worker
  /** Miss-log entries (absolute index) already sent to this worker. */
  sent: number
  inflight: number
}

export class ParsePool {
  private readonly slots: Slot[] = []
  private readonly waiting = new Map<number, {resolve: (r: RegionResult) => void; reject: (e: unknown) => void; slot: Slot}>()
  private nextId = 0
  /** Absolute index of missLog[0]: entries every worker has are dropped from the log. */
  private base = 0

  constructor(
    size: number,
    setup: WorkerSetup,
    private readonly miner: TemplateMiner,
  ) {
    const url = workerUrl()
    if (!url) throw new Error('parse worker script not built')
    miner.missLog ??= []
    for (let i = 0; i < size; i++) {
      const slot: Slot = {worker: new Worker(url, {workerData: setup}), sent: 0, inflight: 0}
      slot.worker.on('message', (r: RegionResult) => {
        const w = this.waiting.get(r.id)
        if (!w) return
        this.waiting.delete(r.id)
        slot.inflight--
        w.resolve(r)
      })
      slot.worker.on('error', (error) => this.fail(slot, error))
      slot.worker.on('exit', (code) => {
        if (code !== 0) this.fail(slot, new Error(`parse worker exited with code ${code}`))
      })
      this.slots.push(slot)
    }
  }

  /** Shapes the main miner has sent through its tree so far: a result is current iff it saw them all. */
  get version(): number {
    return this.base + this.miner.missLog!.length
  }

  /** Sends a region to the least busy worker; resolves with its result and the version it used. */
  run(bytes: RegionJob['bytes'], firstLineId: number): {version: number; result: Promise<RegionResult>} {
    let slot = this.slots[0]
    for (const s of this.slots) if (s.inflight < slot.inflight) slot = s
    const log = this.miner.missLog!
    const misses = log.slice(slot.sent - this.base)
    slot.sent = this.version
    slot.inflight++
    const id = this.nextId++
    const version = this.version
    const result = new Promise<RegionResult>((resolve, reject) => this.waiting.set(id, {resolve, reject, slot}))
    slot.worker.postMessage({id, bytes, firstLineId, misses} satisfies RegionJob, [bytes.buffer])
    this.trim()
    return {version, result}
  }

  /** Drops the miss-log entries every worker has replayed, so the log stays small. */
  private trim(): void {
    let min = Infinity
    for (const s of this.slots) min = Math.min(min, s.sent)
    const drop = min - this.base
    if (drop > 1024) {
      this.miner.missLog!.splice(0, drop)
      this.base = min
    }
  }

  private fail(slot: Slot, error: unknown): void {
    for (const [id, w] of this.waiting) {
      if (w.slot !== slot) continue
      this.waiting.delete(id)
      w.reject(error)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }
}
