import type {Evaluation} from '../results.js'
import type {LabelLookup} from './label-table.js'

export interface Confusion {
  tp: number
  fp: number
  fn: number
  tn: number
}

export function confusion(predicted: ArrayLike<boolean | number>, actual: ArrayLike<boolean | number>): Confusion {
  if (predicted.length !== actual.length) throw new RangeError('predicted and actual differ in length')
  const c = {tp: 0, fp: 0, fn: 0, tn: 0}
  for (let i = 0; i < predicted.length; i++) {
    const p = Boolean(predicted[i])
    const a = Boolean(actual[i])
    if (p && a) c.tp++
    else if (p) c.fp++
    else if (a) c.fn++
    else c.tn++
  }
  return c
}

/** Precision, recall and F1; each is 0 when its denominator is 0 (no predictions / no positives). */
export function prf(c: Confusion): {precision: number; recall: number; f1: number} {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp)
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return {precision, recall, f1}
}

/**
 * Evaluate per-session predictions against labels. Sessions without a label are not counted
 * (reported as unlabelled); labelled ids that never appeared as a session are reported too,
 * since a mismatch usually means the wrong --session-key.
 */
export function evaluate(sessionIds: string[], predicted: ArrayLike<boolean | number>, labels: LabelLookup): Evaluation {
  return evaluateLabels(sessionIds.map((id) => labels.get(id)), predicted, labels.size)
}

/** Each session's label by index (undefined: none): an array, or a run's labels kept a byte a session (SessionLabelSink.labelsOf). */
export interface LabelList {
  readonly length: number
  at(index: number): boolean | undefined
}

/** True when any session has a label. */
export function labelledAny(labels: LabelList): boolean {
  for (let i = 0; i < labels.length; i++) if (labels.at(i) !== undefined) return true
  return false
}

/** evaluate() with each session's label looked up already (undefined: none); `labelCount`: rows of the label file. */
export function evaluateLabels(sessionLabels: LabelList, predicted: ArrayLike<boolean | number>, labelCount: number): Evaluation {
  const c = {tp: 0, fp: 0, fn: 0, tn: 0}
  let unlabelled = 0
  let matched = 0
  for (let i = 0; i < sessionLabels.length; i++) {
    const label = sessionLabels.at(i)
    if (label === undefined) {
      unlabelled++
      continue
    }
    matched++
    const p = Boolean(predicted[i])
    if (p && label) c.tp++
    else if (p) c.fp++
    else if (label) c.fn++
    else c.tn++
  }
  return {...prf(c), ...c, labelled_sessions: matched, unlabelled_sessions: unlabelled, labels_without_session: labelCount - matched}
}
