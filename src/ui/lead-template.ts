import type {Incident} from '../core/results.js'

type Template = Incident['templates'][number]

/**
 * The template an incident table shows: the most anomalous one, not the first listed. Windowed
 * incidents carry a score per template; otherwise a template never seen in normal sessions beats
 * one that is, and among those the largest count over the normal count (mean per normal session ×
 * sessions) wins.
 */
export function leadTemplate(incident: Incident): Template | undefined {
  let best: Template | undefined
  let bestValue = Number.NEGATIVE_INFINITY
  for (const t of incident.templates) {
    const value = t.score ?? (t.normal_mean === 0 ? 1e6 + t.count : t.count / (t.normal_mean * Math.max(1, incident.size)))
    if (value > bestValue) {
      best = t
      bestValue = value
    }
  }
  return best
}

/** Streams named in a table before more are counted (`web-01, web-02 +3`). */
const WHERE_NAMED = 2

/**
 * Where a windowed incident happened, for a table: its streams (hosts, host/component), the first
 * few named and the rest counted; empty when the log was one stream.
 */
export function whereText(incident: Incident): string {
  const streams = (incident.streams ?? []).filter((s) => s !== '' && s !== '-')
  if (streams.length === 0) return ''
  const named = streams.slice(0, WHERE_NAMED).join(', ')
  return streams.length > WHERE_NAMED ? `${named} +${streams.length - WHERE_NAMED}` : named
}
