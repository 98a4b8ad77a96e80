import {Worker} from 'node:worker_threads'
import type {DetectJob, DetectOutcome} from './detect-job.js'
import {fromWire, HttpError, type WireError} from './errors.js'

export interface PoolOptions {
  /** Worker threads (each runs one job at a time). */
  size: number
  /** Jobs allowed to wait for a free worker; one more is refused with 503. */
  queueLimit: number
  /** A job running longer is stopped (its worker replaced) and answered with 504. */
  timeoutMs: number
  /** Seconds a refused client is told to wait. */
  retryAfterSeconds?: number
}

interface Pending {
  job: DetectJob
  resolve: (outcome: DetectOutcome) => void
  reject: (error: Error) => void
}

interface Slot {
  worker: Worker
  busy?: Pending & {id: number; timer: NodeJS.Timeout}
}

const WORKER_URL = new URL('./detect-worker.js', import.meta.url)

/**
 * Detection jobs on worker threads behind a bounded queue: the event loop stays free for
 * /health, /metrics and streaming, and a full queue answers at once instead of slowing everyone.
 */
export class DetectPool {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false
  rejected = 0

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn())
  }

  get running(): number {
    return this.slots.filter((s) => s.busy).length
  }

  get queued(): number {
    return this.queue.length
  }

  run(job: DetectJob): Promise<DetectOutcome> {
    if (this.closed) return Promise.reject(new HttpError(503, 'the server is shutting down'))
    const free = this.slots.find((s) => !s.busy)
    if (!free && this.queue.length >= this.options.queueLimit) {
      this.rejected++
      const retry = String(this.options.retryAfterSeconds ?? 5)
      return Promise.reject(new HttpError(503, `busy: ${this.running} analyses running and ${this.queue.length} waiting`, {hint: `retry in ${retry}s, or start flare serve with a larger --queue`, headers: {'retry-after': retry}}))
    }
    return new Promise<DetectOutcome>((resolve, reject) => {
      const pending = {job, resolve, reject}
      if (free) this.start(free, pending)
      else this.queue.push(pending)
    })
  }

  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(new HttpError(503, 'the server is shutting down'))
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const slot: Slot = {worker: new Worker(WORKER_URL)}
    slot.worker.on('message', (message: {id: number; outcome?: DetectOutcome; error?: WireError}) => {
      const busy = slot.busy
      if (!busy || busy.id !== message.id) return
      clearTimeout(busy.timer)
      slot.busy = undefined
      if (message.error) busy.reject(fromWire(message.error))
      else busy.resolve(message.outcome!)
      this.next(slot)
    })
    slot.worker.on('error', (error) => this.replace(slot, error))
    slot.worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.replace(slot, new Error(`detection worker exited with code ${code}`))
    })
    return slot
  }

  private start(slot: Slot, pending: Pending): void {
    const id = this.nextId++
    const timer = setTimeout(() => {
      this.replace(slot, new HttpError(504, `the analysis took longer than ${Math.round(this.options.timeoutMs / 1000)}s and was stopped`, {hint: 'send a smaller log, or start flare serve with a longer --timeout'}))
    }, this.options.timeoutMs)
    slot.busy = {...pending, id, timer}
    slot.worker.postMessage({id, job: pending.job})
  }

  /** A worker that crashed or ran over time is replaced; its job fails, the queue moves on. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot)
    if (index < 0 || this.closed) return
    const busy = slot.busy
    slot.busy = undefined
    if (busy) {
      clearTimeout(busy.timer)
      busy.reject(error)
    }
    slot.worker.removeAllListeners()
    void slot.worker.terminate()
    const fresh = this.spawn()
    this.slots[index] = fresh
    this.next(fresh)
  }

  private next(slot: Slot): void {
    const pending = this.queue.shift()
    if (pending) this.start(slot, pending)
  }
}
