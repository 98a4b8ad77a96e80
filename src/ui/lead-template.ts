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
