import type {ClientBurst, Incident} from '../core/results.js'
import {truncate} from './format.js'

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

/** Client bursts listed under the incident table before the rest are counted. */
const BURSTS_LISTED = 5

/**
 * The client bursts a run set aside, a few lines under the incidents: when, where, which network,
 * how many requests and what they got (`CB-002 13:20–13:40 shop.example.com:443 66.249.79.0/24: 13 of
 * 21 requests (301 ×21): GET <*> HTTP/1.1 301 Moved Permanently`). `dim` styles the lines.
 */
export function clientBurstsText(bursts: readonly ClientBurst[], dim: (text: string) => string, width = 160): string {
  const n = bursts.length
  const lines = [`${n} client burst${n === 1 ? '' : 's'} set aside, not raised (a scan or a crawl: one client network, answered as it should be; --raise-client-bursts raises them)`]
  for (const b of bursts.slice(0, BURSTS_LISTED)) {
    const {start, end} = b.time_range
    const when = start ? `${start.slice(0, 16).replace('T', ' ')}–${(end ?? start).slice(11, 16)}` : ''
    const statuses = b.client.statuses.slice(0, 3).map((s) => `${s.status} ×${s.count}`).join(', ')
    const top = leadTemplate(b)
    const what = top ? `: ${top.as_seen ?? top.template}` : ''
    const {lines: sent, requests} = b.client
    lines.push(`${[b.id, when, whereText(b)].filter(Boolean).join(' ')} ${b.client.network}: ${sent === requests ? '' : `${sent} of `}${requests} request${requests === 1 ? '' : 's'} (${statuses})${what}`)
  }
  if (n > BURSTS_LISTED) lines.push(`… and ${n - BURSTS_LISTED} more (see -o results.json or --json: client_bursts)`)
  return lines.map((line, i) => dim(`${i === 0 ? '' : '  '}${truncate(line, width - (i === 0 ? 0 : 2))}`)).join('\n')
}
