import {ExitCode, FlareError} from '../errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** Parse a duration such as `5m`, `30s`, `1h`, `250ms` or a bare number of seconds into ms. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text)
  if (!m) throw new FlareError(`invalid ${flag} "${text}"`, {exitCode: ExitCode.usage, hint: 'use a number with a unit: 250ms, 30s, 5m, 1h, 1d'})
  const ms = Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]
  if (!(ms > 0)) throw new FlareError(`${flag} must be positive, got "${text}"`, {exitCode: ExitCode.usage})
  return Math.round(ms)
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/**
 * Indices of the sliding windows [k*step, k*step + size) that contain time t.
 * With step == size (the default) each time falls in exactly one window.
 */
export function windowsContaining(t: number, size: number, step: number): {first: number; last: number} {
  const last = Math.floor(t / step)
  const first = Math.floor((t - size) / step) + 1
  return {first: Math.min(first, last), last}
}
