// Scoring raised incidents against real ones the way an on-call engineer would (issue 14).
// The rule is documented at the top of bench/incidents.mjs and in bench/INCIDENTS.md.

/**
 * Syslog lines carry no year, so Flare dates them in the current year while the truth uses the
 * generator's: move a raised time into the truth's year before comparing.
 */
export function inYear(iso, year) {
  const d = new Date(Date.parse(iso))
  d.setUTCFullYear(year)
  return d.getTime()
}

/**
 * Hosts named by a raised incident's sample lines: syslog (`Mon DD HH:MM:SS host prog: ...`), or
 * an access line with a virtual host first (`shop.example.com:443 1.2.3.4 - - [04/Dec/2026:...`).
 */
export function raisedHosts(incident) {
  const hosts = new Set()
  for (const s of incident.sample_lines ?? []) {
    const text = s.text ?? ''
    const m = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) /.exec(text) ?? /^(\S+) \S+ - \S+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:/.exec(text)
    if (m) hosts.add(m[1])
  }
  return [...hosts]
}

/** Share of a raised incident's span that must fall in the (widened) real span for credit. */
export const MIN_INSIDE = 0.5

const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0))

/**
 * Match `raised` (Flare's incidents[]) to `real` (the truth's incidents[]).
 * Each raised incident is credited to at most one real incident: among those whose span, widened
 * by `slackMs` on both sides, holds at least MIN_INSIDE of its span (and, with strictHost, that
 * share a host), the one with the largest overlap, then the nearest centre. Returns per-real and per-raised verdicts and the
 * incident-level figures.
 */
export function matchIncidents(real, raised, {slackMs = 5 * 60_000, strictHost = false, year} = {}) {
  const R = real.map((r) => ({...r, s: Date.parse(r.start), e: Date.parse(r.end), credited: []}))
  const y = year ?? new Date(R[0]?.s ?? Date.now()).getUTCFullYear()
  const A = raised.map((a) => ({
    id: a.id,
    s: inYear(a.time_range.start, y),
    e: inYear(a.time_range.end, y),
    hosts: raisedHosts(a),
    size: a.size,
    severity: a.severity,
    top: a.templates?.[0]?.template ?? '',
    match: null,
  }))
  for (const a of A) {
    let best = null
    for (const r of R) {
      const s = r.s - slackMs
      const e = r.e + slackMs
      if (a.s > e || a.e < s) continue
      const sameHost = r.silent ? true : a.hosts.length === 0 || a.hosts.some((h) => r.hosts.includes(h))
      if (strictHost && !sameHost) continue
      const ov = overlap(a.s, a.e, s, e)
      // at least half of the raised span must lie in the real one: a raised incident spanning
      // hours of ordinary traffic is not "the right time span", however many incidents it covers
      if (ov < MIN_INSIDE * (a.e - a.s)) continue
      const dist = Math.abs((a.s + a.e) / 2 - (r.s + r.e) / 2)
      if (!best || ov > best.ov || (ov === best.ov && dist < best.dist)) best = {r, ov, dist, sameHost}
    }
    if (best) {
      a.match = best.r.id
      a.sameHost = best.sameHost
      best.r.credited.push(a)
    }
  }
  for (const r of R) {
    if (r.credited.length === 0) continue
    const u0 = Math.min(...r.credited.map((a) => a.s))
    const u1 = Math.max(...r.credited.map((a) => a.e))
    // span agreement of the real span with the hull of the raised incidents credited to it
    const inter = overlap(u0, u1, r.s, r.e)
    const union = Math.max(u1, r.e) - Math.min(u0, r.s)
    r.iou = union > 0 ? inter / union : 1
    r.clean = r.credited.length === 1 && (r.iou >= 0.3 || (r.e - r.s < 2 * slackMs && u1 - u0 <= 4 * slackMs))
  }
  const detected = R.filter((r) => r.credited.length > 0).length
  const matchedRaised = A.filter((a) => a.match).length
  const precision = A.length ? matchedRaised / A.length : 0
  const recall = R.length ? detected / R.length : 0
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0
  return {
    real: R.length,
    raised: A.length,
    detected,
    false: A.length - matchedRaised,
    precision,
    recall,
    f1,
    alertsPerReal: R.length ? A.length / R.length : 0,
    clean: R.filter((r) => r.clean).length,
    missed: R.filter((r) => r.credited.length === 0).map((r) => ({id: r.id, kind: r.kind, variant: r.variant, start: r.start, end: r.end, hosts: r.hosts})),
    perReal: R.map((r) => ({id: r.id, kind: r.kind, variant: r.variant, start: r.start, end: r.end, hosts: r.hosts, raised: r.credited.map((a) => a.id), iou: r.iou ?? 0, clean: Boolean(r.clean)})),
    falseRaised: A.filter((a) => !a.match).map((a) => ({id: a.id, start: new Date(a.s).toISOString(), end: new Date(a.e).toISOString(), size: a.size, severity: a.severity, hosts: a.hosts, top: a.top})),
  }
}

/** Figures over several logs: counts summed, then P/R/F1 from the sums. */
export function pooled(results) {
  const sum = (k) => results.reduce((s, r) => s + r[k], 0)
  const real = sum('real')
  const raised = sum('raised')
  const detected = sum('detected')
  const matched = raised - sum('false')
  const precision = raised ? matched / raised : 0
  const recall = real ? detected / real : 0
  return {real, raised, detected, false: sum('false'), precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, alertsPerReal: real ? raised / real : 0, clean: sum('clean')}
}
