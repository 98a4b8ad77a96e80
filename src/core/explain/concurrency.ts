/**
 * A counting semaphore: at most `limit` holders at once, FIFO for waiters. The summarize runner
 * uses one across incidents so a run never has more than `concurrency` requests in flight.
 */
export class Semaphore {
  private active = 0
  private readonly waiters: Array<() => void> = []

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be a positive integer, got ${limit}`)
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      // Hand the slot straight to the next waiter so `active` never dips and lets a newcomer jump the queue.
      if (next) next()
      else this.active--
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      return await fn()
    } finally {
      release()
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'))
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason ?? new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
