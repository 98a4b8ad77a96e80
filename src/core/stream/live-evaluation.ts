import {evaluate} from '../evaluate/metrics.js'
import type {LabelLookup} from '../evaluate/label-table.js'
import type {Evaluation} from '../results.js'
import type {ScoredSession} from './engine.js'

export interface LiveEvaluation extends Evaluation {
  /** Detection delay of the anomalous sessions caught: engine clock at detection − first event, ms. */
  delay_ms: {count: number; p50: number; p90: number; p99: number; max: number}
}

/**
 * Online accuracy: a session id is flagged when any part of it (a session id can close more than
 * once, e.g. after going idle) scored anomalous, and compared with its label as batch detect does.
 *
 * What it keeps per session id is two numbers in typed arrays, at the id's index. The ids of the
 * labels given to the constructor are indexed up front (their strings are the labels' own), so a
 * replay with labels holds nothing more per session it scores: its memory stays flat however many
 * sessions pass. Ids without a label (or all of them, without labels) are indexed as they come.
 */
export class OnlineScore {
  private readonly index = new Map<string, number>()
  private readonly ids: string[] = []
  /** Event time of the first event (NaN: not scored yet) and detection time (NaN: never flagged), by index. */
  private firstSeen: Float64Array = new Float64Array(1024).fill(Number.NaN)
  private flaggedAt: Float64Array = new Float64Array(1024).fill(Number.NaN)
  /** Indices flagged, in order of detection. */
  private readonly flagged: number[] = []
  private seen = 0

  constructor(labels?: Iterable<readonly [string, boolean]>) {
    if (labels) for (const [id] of labels) this.indexOf(id)
  }

  observe(s: ScoredSession): void {
    const i = this.indexOf(s.id)
    if (Number.isNaN(this.firstSeen[i])) {
      // ±Infinity (a session without timestamps) is kept: only NaN means "not seen".
      this.firstSeen[i] = Number.isNaN(s.firstSeen) ? Number.POSITIVE_INFINITY : s.firstSeen
      this.seen++
    }
    if (s.anomalous && Number.isNaN(this.flaggedAt[i])) {
      this.flaggedAt[i] = Number.isNaN(s.closedAt) ? Number.POSITIVE_INFINITY : s.closedAt
      this.flagged.push(i)
    }
  }

  /** Session ids flagged anomalous, in order of detection. */
  get flaggedIds(): string[] {
    return this.flagged.map((i) => this.ids[i])
  }

  /** Session ids scored, in order of first appearance among the labels, then of scoring. */
  get sessionIds(): string[] {
    const out: string[] = []
    for (let i = 0; i < this.ids.length; i++) if (!Number.isNaN(this.firstSeen[i])) out.push(this.ids[i])
    return out
  }

  /** Distinct session ids scored. */
  get sessions(): number {
    return this.seen
  }

  /** Distinct session ids scored that `labels` has a label for. */
  labelled(labels: LabelLookup): number {
    let n = 0
    for (let i = 0; i < this.ids.length; i++) if (!Number.isNaN(this.firstSeen[i]) && labels.get(this.ids[i]) !== undefined) n++
    return n
  }

  evaluate(labels: LabelLookup): LiveEvaluation {
    const ids = this.sessionIds
    const evaluation = evaluate(ids, ids.map((id) => (Number.isNaN(this.flaggedAt[this.index.get(id)!]) ? 0 : 1)), labels)
    const delays: number[] = []
    for (const i of this.flagged) {
      if (labels.get(this.ids[i]) !== true) continue
      const first = this.firstSeen[i]
      const at = this.flaggedAt[i]
      if (Number.isFinite(first) && Number.isFinite(at)) delays.push(Math.max(0, at - first))
    }
    delays.sort((a, b) => a - b)
    const q = (p: number): number => (delays.length === 0 ? 0 : Math.round(delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]))
    return {...evaluation, delay_ms: {count: delays.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: delays.length ? Math.round(delays[delays.length - 1]) : 0}}
  }

  private indexOf(id: string): number {
    let i = this.index.get(id)
    if (i !== undefined) return i
    i = this.ids.length
    this.index.set(id, i)
    this.ids.push(id)
    if (i >= this.firstSeen.length) {
      this.firstSeen = grown(this.firstSeen)
      this.flaggedAt = grown(this.flaggedAt)
    }
    return i
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(2 * a.length).fill(Number.NaN)
  b.set(a)
  return b
}
