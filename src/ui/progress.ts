import type {Ora} from 'ora'
import {colorEnabled, err} from './style.js'

// A spinner is drawn only on a terminal: elsewhere (pipes, CI, benchmarks) ora is not even loaded.
const ora = process.stderr.isTTY ? (await import('ora')).default : undefined

/**
 * Progress on stderr: a spinner with a bar when the total is known. Silent when stderr is not a
 * terminal (CI, pipes), so machine output on stdout stays clean.
 */
export class Progress {
  private spinner?: Ora
  private lastRender = 0

  // ora redraws forever on a pseudo-terminal that reports 0 columns, so such a terminal gets none.
  constructor(public label: string, private readonly enabled = ora !== undefined && (process.stderr.columns ?? 0) > 0) {}

  start(): this {
    if (this.enabled && ora && !this.spinner) this.spinner = ora({text: this.label, stream: process.stderr, color: this.colored ? 'yellow' : false, isEnabled: true}).start()
    return this
  }

  /** Moves on to the next step: the finished one stays as a ✔ line; the same step again is not repeated. */
  next(label: string): void {
    if (label === this.label && this.spinner) return
    this.succeed()
    this.label = label
    this.start()
  }

  // ora and its log symbols colour on their own; NO_COLOR and pipes get plain marks.
  private get colored(): boolean {
    return colorEnabled(process.stderr)
  }

  /** Update with `done` of `total` (total may be 0 when unknown); throttled to 10 renders a second. */
  update(done: number, total = 0, detail = ''): void {
    if (!this.spinner) return
    const now = Date.now()
    if (now - this.lastRender < 100) return
    this.lastRender = now
    this.spinner.text = `${this.label} ${total > 0 ? bar(done / total) + ' ' : ''}${detail}`
  }

  succeed(text?: string): void {
    if (this.colored) this.spinner?.succeed(text ?? this.label)
    else this.spinner?.stopAndPersist({symbol: '✔', text: text ?? this.label})
    this.spinner = undefined
  }

  fail(text?: string): void {
    if (this.colored) this.spinner?.fail(text ?? this.label)
    else this.spinner?.stopAndPersist({symbol: '✖', text: text ?? this.label})
    this.spinner = undefined
  }

  stop(): void {
    this.spinner?.stop()
    this.spinner = undefined
  }
}

export function bar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction))
  const full = Math.round(f * width)
  const text = '█'.repeat(full) + '░'.repeat(width - full)
  return `${colorEnabled(process.stderr) ? err.yellow(text) : text} ${(f * 100).toFixed(0).padStart(3)}%`
}
