/**
 * Human-friendly numbers for terminal output: `2,000`, as toLocaleString('en-US') writes them,
 * without its first call's cost (~20 ms of ICU set-up in every short run).
 */
export function int(n: number): string {
  const whole = Math.round(n)
  if (!Number.isSafeInteger(whole)) return whole.toLocaleString('en-US')
  const digits = String(Math.abs(whole))
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`
  return whole < 0 || Object.is(whole, -0) ? `-${grouped}` : grouped
}

export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}K`
  return perSecond.toFixed(0)
}

export function ms(milliseconds: number): string {
  if (milliseconds >= 60_000) return `${Math.floor(milliseconds / 60_000)}m ${((milliseconds % 60_000) / 1000).toFixed(0)}s`
  if (milliseconds >= 1000) return `${(milliseconds / 1000).toFixed(2)}s`
  return `${milliseconds.toFixed(0)}ms`
}

/**
 * The time of day of an ISO 8601 UTC time (`2026-12-03T05:00:07.123Z` → `05:00:07 UTC`), for lines
 * that stand alone (the live commands' incident lines). The batch tables say UTC once, in the
 * column header (`time range (UTC)`); a line on its own says it itself.
 */
export function utcClock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`
}

export function truncate(text: string, width: number): string {
  const oneLine = visible(text.replace(/\s+/g, ' '))
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, width - 1)}…`
}

// An SGR colour sequence (what chalk and the tables write), or one C0/C1 control other than LF and tab.
const CONTROL = /\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g

/**
 * `text` with its control characters written out (`\x1b`, `\x07`, `\r` …), so that text from a
 * log (a binary file, a hostile line) cannot move the cursor, clear the screen or retitle the
 * user's terminal. LF and tab stay. `keepColours`: SGR colour sequences stay, for output Flare
 * coloured itself.
 */
export function visible(text: string, keepColours = false): string {
  return text.replace(CONTROL, (m) => {
    if (m.length > 1) return keepColours ? m : `\\x1b${m.slice(1)}`
    if (m === '\r') return '\\r'
    return `\\x${m.charCodeAt(0).toString(16).padStart(2, '0')}`
  })
}

/** `word` as a shell would need it typed again (quoted when it holds anything but plain characters). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}
