import type {LineSink, LiveLine} from './contracts.js'

/**
 * The bounded buffer between sources and the engine. Sources never block on a slow engine (or a
 * slow sink behind it) beyond `capacity` lines: network sources see `push` answer false and the
 * drop is counted here, sources that can wait (files, stdin) await `room()` before reading on.
 */
export class LineQueue implements LineSink {
  private items: LiveLine[] = []
  private head = 0
  private closed = false
  /** Lines refused because the queue was full. */
  dropped = 0
  /** Lines accepted so far. */
  accepted = 0
  private roomWaiters: Array<() => void> = []
  private dataWaiter: (() => void) | undefined

  constructor(readonly capacity = 65_536) {}

  get size(): number {
    return this.items.length - this.head
  }

  push(line: LiveLine, waits = false): boolean {
    if (this.closed || (!waits && this.size >= this.capacity)) {
      this.dropped++
      return false
    }
    this.items.push(line)
    this.accepted++
    const wake = this.dataWaiter
    this.dataWaiter = undefined
    wake?.()
    return true
  }

  /** Resolves when the queue is below half full (so a waiting source reads a sizeable chunk at once). */
  room(): Promise<void> {
    if (this.closed || this.size < this.capacity / 2) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  /**
   * Up to `max` lines, waiting for at least one unless the queue is closed (then [] means the end)
   * or `timeoutMs` passes (then [] means nothing arrived in time).
   */
  async take(max: number, timeoutMs?: number): Promise<LiveLine[]> {
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
    const n = Math.min(max, this.size)
    const out = this.items.slice(this.head, this.head + n)
    this.head += n
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
