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
 */
export class OnlineScore {
  private readonly flagged = new Map<string, number>()
  private readonly firstSeen = new Map<string, number>()

  observe(s: ScoredSession): void {
    if (!this.firstSeen.has(s.id)) this.firstSeen.set(s.id, s.firstSeen)
    if (s.anomalous && !this.flagged.has(s.id)) this.flagged.set(s.id, s.closedAt)
  }

  /** Session ids flagged anomalous, in order of detection. */
  get flaggedIds(): string[] {
    return [...this.flagged.keys()]
  }

  get sessionIds(): string[] {
    return [...this.firstSeen.keys()]
  }

  evaluate(labels: LabelLookup): LiveEvaluation {
    const ids = this.sessionIds
    const evaluation = evaluate(ids, ids.map((id) => (this.flagged.has(id) ? 1 : 0)), labels)
    const delays: number[] = []
    for (const [id, at] of this.flagged) {
      if (labels.get(id) !== true) continue
      const first = this.firstSeen.get(id)!
      if (Number.isFinite(first) && Number.isFinite(at)) delays.push(Math.max(0, at - first))
    }
    delays.sort((a, b) => a - b)
    const q = (p: number): number => (delays.length === 0 ? 0 : Math.round(delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]))
    return {...evaluation, delay_ms: {count: delays.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: delays.length ? Math.round(delays[delays.length - 1]) : 0}}
  }
}
