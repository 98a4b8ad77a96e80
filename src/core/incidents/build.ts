import type {FeatureMatrix} from '../features/matrix.js'
import type {TemplateMeta} from '../mining/mine.js'
import {untimed, type Incident, type Severity} from '../results.js'
import {levelClass, mentionsFailure, severityOf} from '../severity.js'
import {SessionLists} from '../sessions/lists.js'
import {sessionAt, type Session, type Sessions} from '../sessions/store.js'
import {dbscan} from './dbscan.js'

export interface IncidentOptions {
  /**
   * DBSCAN radius in scaled feature space (each column: (x - normal mean) / (normal sd + 0.25)).
   * 2.0 keeps apart sessions that differ in a template normal sessions never show, and joins
   * sessions that differ only in a routine, optional template or two.
   */
  eps: number
  minPts: number
  /** Representative lines kept per incident. */
  sampleLines: number
  /**
   * Clusters that share most of the templates normal sessions never show are one incident when
   * their time spans are at most this far apart (ms); see mergeSameFailure.
   */
  mergeGapMs: number
}

export const DEFAULT_INCIDENT_OPTIONS: IncidentOptions = {eps: 4.0, minPts: 2, sampleLines: 8, mergeGapMs: 3_600_000}

/** Added to each column's normal standard deviation before scaling, so constant columns stay finite. */
const SCALE_FLOOR = 0.25


export interface IncidentInput {
  sessions: Sessions
  scores: Float64Array
  anomalous: Uint8Array
  /** The sessions' features: row i is session i's, or row rowOf[i] when given (distinct rows). */
  X: FeatureMatrix
  rowOf?: Int32Array
  templates: TemplateMeta[]
  /** Template index → template text (current, after generalisation). */
  templateText: (index: number) => string
  options?: Partial<IncidentOptions>
}

/** Line ids an incident wants the text of; filled in by the pipeline's second pass. */
export interface PendingSample {
  line: number
  template_id: string
  session_id: string
  reason: string
}

export interface DraftIncident extends Omit<Incident, 'sample_lines'> {
  pending: PendingSample[]
  /** Some episode of it is a silence, whether or not one leads it (`silence`): never a client's doing (client-bursts.ts). Not in the document. */
  quiet?: boolean
}

/**
 * Cluster anomalous sessions into incidents and describe each: what templates it holds against
 * normal sessions, which features stood out, where it is in the input, and how bad it looks.
 *
 * Severity rule (documented in the README):
 * - critical: a FATAL/EMERGENCY/ALERT/CRITICAL line, or error lines in ≥ 5% of all sessions (≥ 5 sessions);
 * - high: any ERROR-level line, or a template never seen in normal sessions whose text names a failure
 *   (exception, refused, timeout, killed, no space, ...: FAILURE_WORDS in core/severity.ts);
 * - medium: a template never seen in normal sessions, any WARN line, or ≥ 10 sessions;
 * - low: otherwise (counts off from normal, nothing failing by its own words).
 */
export function buildIncidents(input: IncidentInput): DraftIncident[] {
  const options = {...DEFAULT_INCIDENT_OPTIONS, ...input.options}
  const {sessions, scores, anomalous, X, templates} = input
  // where session i's features start in X.data
  const rowOf = input.rowOf
  const at = (i: number): number => (rowOf ? rowOf[i] : i) * X.cols
  const anomalies: number[] = []
  for (let i = 0; i < sessions.length; i++) if (anomalous[i]) anomalies.push(i)
  if (anomalies.length === 0) return []

  // Normal profile: mean count per template and per feature column over the sessions not flagged.
  const T = templates.length
  const normalSum = new Float64Array(T)
  const inNormal = new Uint8Array(T)
  const colSum = new Float64Array(X.cols)
  const colSq = new Float64Array(X.cols)
  let normals = 0
  const lists = new SessionLists()
  for (let i = 0; i < sessions.length; i++) {
    if (anomalous[i]) continue
    normals++
    sessionAt(sessions, i).readLists(lists, false)
    const t = lists.templates
    for (let k = 0; k < lists.templateWords; k += 3) {
      normalSum[t[k]] += t[k + 1]
      inNormal[t[k]] = 1
    }
    const r = at(i)
    for (let j = 0; j < X.cols; j++) {
      const v = X.data[r + j]
      colSum[j] += v
      colSq[j] += v * v
    }
  }
  const colMean = colSum.map((s) => (normals ? s / normals : 0))
  const colStd = colSq.map((s, j) => Math.sqrt(Math.max(0, (normals ? s / normals : 0) - colMean[j] ** 2)))

  // Cluster the anomalous rows, each column scaled by how much it varies among normal sessions:
  // a template normal sessions never show weighs a lot, an optional everyday one little, so
  // sessions that fail the same way land together whatever their routine lines did.
  const dims = X.cols
  const data = new Float64Array(anomalies.length * dims)
  anomalies.forEach((row, k) => {
    const r = at(row)
    for (let j = 0; j < dims; j++) data[k * dims + j] = (X.data[r + j] - colMean[j]) / (colStd[j] + SCALE_FLOOR)
  })
  const labels = dbscan(data, dims, anomalies.length, {eps: options.eps, minPts: options.minPts})
  const groups = new Map<number, number[]>()
  let noise = -1
  anomalies.forEach((row, k) => {
    // Noise points are incidents of their own: an odd session is still worth a look.
    const label = labels[k] >= 0 ? labels[k] : noise--
    let g = groups.get(label)
    if (!g) groups.set(label, (g = []))
    g.push(row)
  })

  const totalCount = templates.map((t) => t.count)
  // (each cluster described once: mergeSameFailure reads the description, and a cluster it leaves alone keeps its list)
  const described = new Map<number[], ReturnType<typeof describeAnew>>()
  const describe = (members: number[]) => {
    let d = described.get(members)
    if (!d) described.set(members, (d = describeAnew(members)))
    return d
  }
  /** A group's templates, most telling first (unseen in normal sessions, then by level, then rarest), and its time span. */
  function describeAnew(members: number[]) {
    const counts = new Map<number, number>()
    let first = Number.POSITIVE_INFINITY
    let last = Number.NEGATIVE_INFINITY
    let maxScore = Number.NEGATIVE_INFINITY
    for (const i of members) {
      const s = sessionAt(sessions, i)
      const t = s.templates
      for (let k = 0; k < t.length; k += 3) counts.set(t[k], (counts.get(t[k]) ?? 0) + t[k + 1])
      if (!Number.isNaN(s.firstTime)) first = Math.min(first, s.firstTime)
      if (!Number.isNaN(s.lastTime)) last = Math.max(last, s.lastTime)
      maxScore = Math.max(maxScore, scores[i])
    }
    const tmpl = [...counts.entries()]
      .map(([index, count]) => ({index, count, unseen: !inNormal[index], cls: levelClass(templates[index].level), failure: mentionsFailure(input.templateText(index))}))
      .sort((a, b) => Number(b.unseen) - Number(a.unseen) || b.cls - a.cls || totalCount[a.index] - totalCount[b.index] || b.count - a.count)
    return {tmpl, first, last, maxScore}
  }
  const drafts: DraftIncident[] = []
  for (const members of mergeSameFailure([...groups.values()], describe, options.mergeGapMs)) {
    const {tmpl, first, last, maxScore} = describe(members)

    const levels: Record<string, number> = {}
    const components = new Map<string, number>()
    for (const {index, count} of tmpl) {
      const meta = templates[index]
      const level = meta.level ?? 'NONE'
      levels[level] = (levels[level] ?? 0) + count
      if (meta.component) components.set(meta.component, (components.get(meta.component) ?? 0) + count)
    }

    const severity = severityOf(tmpl, levels, members.length, sessions.length)
    drafts.push({
      id: '',
      session_ids: members.map((i) => sessionAt(sessions, i).id),
      size: members.length,
      severity: severity.severity,
      severity_reason: severity.reason,
      score: round(maxScore),
      time_range: {start: Number.isFinite(first) ? new Date(first).toISOString() : null, end: Number.isFinite(last) ? new Date(last).toISOString() : null},
      ...untimed(first, members.map((i) => sessionAt(sessions, i))),
      templates: tmpl.map(({index, count}) => ({
        id: templates[index].id,
        template: input.templateText(index),
        count,
        per_session: round(count / members.length),
        normal_mean: round(normals ? normalSum[index] / normals : 0),
        ...(templates[index].level ? {level: templates[index].level} : {}),
      })),
      reasons: reasonsFor(members.map(at), X, colMean, colStd, tmpl.filter((t) => t.unseen).map((t) => templates[t.index].id)),
      components: [...components.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({name, count})),
      levels,
      pending: pickSamples(members, sessions, templates, totalCount, inNormal, options.sampleLines),
    })
  }
  // Most severe first, then by score; ids follow that order.
  const rank: Record<Severity, number> = {critical: 3, high: 2, medium: 1, low: 0}
  drafts.sort((a, b) => rank[b.severity] - rank[a.severity] || b.score - a.score || b.size - a.size || (a.session_ids[0] < b.session_ids[0] ? -1 : 1))
  drafts.forEach((d, k) => (d.id = `INC-${String(k + 1).padStart(3, '0')}`))
  return drafts
}

/**
 * Clusters (lists of session indices, in order) as incidents: clusters that share most of the
 * templates normal sessions never show (Jaccard ≥ 0.5 of those sets), whose time spans lie within
 * `gapMs` of each other, join into one. DBSCAN parts sessions that fail the same way when their
 * routine lines differ (a block served twice against one served once), and a lone session is a
 * cluster of its own: the on-call engineer would get the same failure as two incidents side by
 * side. Failures that share only a generic line (a `request failed` that ends both a pool
 * exhaustion and a TLS timeout) stay apart, and so does the same failure hours later (a
 * recurrence); sessions without times join others of their failure.
 */
function mergeSameFailure(groups: number[][], describe: (members: number[]) => {tmpl: Array<{index: number; unseen: boolean}>; first: number; last: number}, gapMs: number): number[][] {
  const out: number[][] = []
  const failing: Array<{members: number[]; first: number; last: number; unseen: Set<number>}> = []
  for (const members of groups) {
    const {tmpl, first, last} = describe(members)
    const unseen = new Set(tmpl.filter((t) => t.unseen).map((t) => t.index))
    if (unseen.size === 0) out.push(members)
    else failing.push({members, first, last, unseen})
  }
  // (by start; untimed ones, with infinite bounds, first: they join the first timed span of their failure)
  const startOf = (g: {first: number}): number => (Number.isFinite(g.first) ? g.first : Number.NEGATIVE_INFINITY)
  failing.sort((a, b) => startOf(a) - startOf(b))
  const chains: Array<{members: number[]; last: number; unseen: Set<number>}> = []
  for (const g of failing) {
    const chain = chains.find((c) => (!Number.isFinite(g.first) || !Number.isFinite(c.last) || g.first - c.last <= gapMs) && jaccard(c.unseen, g.unseen) >= 0.5)
    if (chain === undefined) {
      chains.push({members: g.members, last: g.last, unseen: new Set(g.unseen)})
      continue
    }
    // (a new list: a cluster left alone keeps its own, whose description buildIncidents has already)
    chain.members = chain.members.concat(g.members)
    for (const t of g.unseen) chain.unseen.add(t)
    if (Number.isFinite(g.last)) chain.last = Number.isFinite(chain.last) ? Math.max(chain.last, g.last) : g.last
  }
  for (const c of chains) out.push(c.members)
  // (members in session order, as DBSCAN's clusters list them)
  for (const members of out) members.sort((a, b) => a - b)
  return out
}

function jaccard(a: Set<number>, b: Set<number>): number {
  let both = 0
  for (const x of a) if (b.has(x)) both++
  return both / (a.size + b.size - both)
}

/** `starts`: where each member's features start in X.data. */
function reasonsFor(starts: number[], X: FeatureMatrix, mean: Float64Array, std: Float64Array, unseen: string[]): Incident['reasons'] {
  const reasons: Incident['reasons'] = unseen.slice(0, 3).map((id) => ({feature: `template ${id}`, value: 1, normal: 0, note: `template ${id} never appears in normal sessions`}))
  const cols = X.columns ?? []
  const scored: Array<{j: number; z: number; value: number}> = []
  for (let j = 0; j < X.cols; j++) {
    let sum = 0
    for (const r of starts) sum += X.data[r + j]
    const value = sum / starts.length
    const z = (value - mean[j]) / (std[j] + 0.05)
    if (Math.abs(z) >= 2 && Math.abs(value - mean[j]) > 1e-9) scored.push({j, z, value})
  }
  scored.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.j - b.j)
  for (const {j, z, value} of scored.slice(0, 5)) {
    const name = cols[j] ?? `f${j}`
    reasons.push({feature: name, value: round(value), normal: round(mean[j]), note: `${name} is ${Math.abs(z).toFixed(1)} sd ${z > 0 ? 'above' : 'below'} normal sessions`})
  }
  return reasons
}

function pickSamples(members: number[], sessions: Sessions, templates: TemplateMeta[], totalCount: number[], inNormal: Uint8Array, limit: number): PendingSample[] {
  // Every (member, template) is a candidate: kept as numbers (an incident of thousands of sessions
  // has hundreds of thousands), its sample made only when picked.
  const rank: number[] = []
  const line: number[] = []
  const member: number[] = []
  const index: number[] = []
  const lists = new SessionLists()
  for (const i of members) {
    sessionAt(sessions, i).readLists(lists, false)
    const t = lists.templates
    for (let k = 0; k < lists.templateWords; k += 3) {
      const x = t[k]
      const cls = levelClass(templates[x].level)
      // errors, then warnings, then templates normal sessions never show, then rarest first
      rank.push(cls * 1e12 + (inNormal[x] ? 0 : 1e11) + (1e10 - Math.min(totalCount[x], 1e10 - 1)))
      line.push(t[k + 2])
      member.push(i)
      index.push(x)
    }
  }
  // (by rank, then line; then as listed, as a stable sort of the candidates would leave them)
  const order = Int32Array.from(rank.keys()).sort((a, b) => rank[b] - rank[a] || line[a] - line[b] || a - b)
  const sample = (c: number): PendingSample => {
    const x = index[c]
    const cls = levelClass(templates[x].level)
    const reason = cls === 2 ? `${templates[x].level} line` : cls === 1 ? 'warning' : inNormal[x] ? `template seen ${totalCount[x]} times in the log` : 'template never seen in normal sessions'
    return {line: line[c], template_id: templates[x].id, session_id: sessionAt(sessions, member[c]).id, reason}
  }
  const picked: PendingSample[] = []
  const seen = new Set<number>()
  // One line per template first, so the sample covers the incident; then more of the top ones.
  for (const c of order) {
    if (picked.length >= limit) break
    if (seen.has(index[c])) continue
    seen.add(index[c])
    picked.push(sample(c))
  }
  const lines = new Set(picked.map((p) => p.line))
  for (const c of order) {
    if (picked.length >= limit) break
    if (lines.has(line[c])) continue
    lines.add(line[c])
    picked.push(sample(c))
  }
  return picked.sort((a, b) => a.line - b.line)
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
