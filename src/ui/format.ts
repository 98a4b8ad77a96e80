/** Human-friendly numbers for terminal output. */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US')
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

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`
}

export function truncate(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, width - 1)}…`
}
