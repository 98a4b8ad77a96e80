import type {LineSink, LiveLine, LiveRegion} from './contracts.js'

/** What the queue holds: lines, and regions of lines as bytes (followed files). */
export type Queued = LiveLine | LiveRegion

export function isRegion(item: Queued): item is LiveRegion {
  return (item as LiveRegion).bytes !== undefined
}

/**
 * The bounded buffer between sources and the engine. Sources never block on a slow engine (or a
 * slow sink behind it) beyond `capacity` lines: network sources see `push` answer false and the
 * drop is counted here, sources that can wait (files, stdin) await `room()` before reading on.
 * Its size and capacity count lines: a region counts as the lines in it.
 */
export class LineQueue implements LineSink {
  private items: Queued[] = []
  private head = 0
  /** Lines held (a region counts its lines). */
  private held = 0
  private closed = false
  /** Lines refused because the queue was full. */
  dropped = 0
  /** Lines accepted so far. */
  accepted = 0
  private roomWaiters: Array<() => void> = []
  private dataWaiter: (() => void) | undefined

  constructor(readonly capacity = 65_536) {}

  get size(): number {
    return this.held
  }

  push(line: LiveLine, waits = false): boolean {
    if (this.closed || (!waits && this.size >= this.capacity)) {
      this.dropped++
      return false
    }
    this.add(line, 1)
    return true
  }

  /** Lines as bytes from a source that waits for room() (never refused, as push(line, true)). */
  pushRegion(region: LiveRegion): void {
    if (this.closed) {
      this.dropped += region.lines
      return
    }
    this.add(region, region.lines)
  }

  private add(item: Queued, lines: number): void {
    this.items.push(item)
    this.held += lines
    this.accepted += lines
    const wake = this.dataWaiter
    this.dataWaiter = undefined
    wake?.()
  }

  /** Resolves when the queue is below half full (so a waiting source reads a sizeable chunk at once). */
  room(): Promise<void> {
    if (this.closed || this.size < this.capacity / 2) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  /**
   * Up to `max` lines (a region whole: at least one item), waiting for at least one unless the
   * queue is closed (then [] means the end) or `timeoutMs` passes (then [] means nothing arrived
   * in time). Only lines unless a source pushed regions.
   */
  async take(max: number, timeoutMs?: number): Promise<Queued[]> {
    if (this.size === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
          this.dataWaiter = undefined
          resolve()
        }, timeoutMs)
        this.dataWaiter = () => {
          if (timer) clearTimeout(timer)
          resolve()
        }
      })
      // Let the source finish its chunk: the engine then takes lines in batches, not one by one.
      if (this.size < max && !this.closed) await new Promise((resolve) => setImmediate(resolve))
    }
    let n = 0
    let lines = 0
    for (const items = this.items; this.head + n < items.length && (n === 0 || lines < max); n++) {
      const item = items[this.head + n]
      const weight = isRegion(item) ? item.lines : 1
      if (n > 0 && lines + weight > max) break
      lines += weight
    }
    const out = this.items.slice(this.head, this.head + n)
    this.head += n
    this.held -= lines
    // Compact now and then rather than shifting on every take.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    if (this.size < this.capacity / 2 && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters
      this.roomWaiters = []
      for (const w of waiters) w()
    }
    return out
  }

  /** Wakes a pending take() with [] (something besides lines needs the consumer's attention). */
  interrupt(): void {
    const wake = this.dataWaiter
    this.dataWaiter = undefined
    wake?.()
  }

  /** No more lines will be accepted; a pending take() returns what is left, then []. */
  close(): void {
    this.closed = true
    const wake = this.dataWaiter
    this.dataWaiter = undefined
    wake?.()
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const w of waiters) w()
  }

  get isClosed(): boolean {
    return this.closed
  }
}
