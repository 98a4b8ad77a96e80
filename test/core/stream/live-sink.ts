import type {LineSink, LiveLine} from '../../../src/core/stream/contracts.js'

/** A LineSink that keeps every line, for the source tests. */
export class CollectingSink implements LineSink {
  readonly lines: LiveLine[] = []
  private waiters: {count: number; resolve: () => void}[] = []

  push(line: LiveLine): boolean {
    this.lines.push(line)
    this.waiters = this.waiters.filter((w) => {
      if (this.lines.length < w.count) return true
      w.resolve()
      return false
    })
    return true
  }

  async room(): Promise<void> {}

  texts(): string[] {
    return this.lines.map((line) => line.text)
  }

  /** Resolves once `count` lines arrived; rejects after `ms` with what did arrive. */
  waitFor(count: number, ms = 10_000): Promise<void> {
    if (this.lines.length >= count) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${this.lines.length} of ${count} lines: ${this.texts().slice(-3).join(' | ')}`)), ms)
      this.waiters.push({count, resolve: () => (clearTimeout(timer), resolve())})
    })
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
