import type {FeatureMatrix} from '../features/matrix.js'
import {BaseDetector, toArray, type DetectorParams, type ThresholdParams} from './detector.js'
import type {ThresholdInfo} from './threshold.js'
import {COUNTS_AND_UNSEEN} from './invariants-mining.js'
import type {DetectorEntry} from './entry.js'
import * as z from '../zod.js'
import {contamination, expectLength, finite, nFeatures, positiveInt, savedDetector} from './schema.js'

/**
 * Rare / never-seen template detector. A column (template) is "present" in a session when its
 * value is > 0. Each column's surprisal is −log10 of its smoothed document frequency in training,
 * (df + 0.5) / (N + 1); a session's score is the largest surprisal among the templates it contains.
 * Natural threshold: the session contains a template present in fewer than `maxRareShare` of
 * training sessions (or never seen). Works on any non-negative features (counts, log1p, tf-idf).
 */
export interface RareTemplateParams extends ThresholdParams {
  maxRareShare?: number
}

export class RareTemplate extends BaseDetector {
  readonly name = 'rare-template'
  readonly maxRareShare: number
  private surprisal: Float64Array = new Float64Array(0)
  private nTrain = 0

  constructor(p: RareTemplateParams = {}) {
    super(p)
    this.maxRareShare = p.maxRareShare ?? 0.02
  }

  params(): DetectorParams {
    return {maxRareShare: this.maxRareShare, contamination: this.contamination}
  }

  protected fitModel(X: FeatureMatrix): void {
    const {rows, cols, data} = X
    const df = new Float64Array(cols)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (data[i * cols + j] > 0) df[j]++
    this.nTrain = rows
    this.surprisal = df.map((d) => -Math.log10((d + 0.5) / (rows + 1)))
  }

  protected override naturalThreshold(): ThresholdInfo {
    return {threshold: -Math.log10((this.maxRareShare * this.nTrain + 0.5) / (this.nTrain + 1)), rule: `rare-template(<${this.maxRareShare})`}
  }

  protected scoreRows(X: FeatureMatrix): Float64Array {
    const {rows, cols, data} = X
    const out = new Float64Array(rows)
    for (let i = 0; i < rows; i++) {
      let s = 0
      for (let j = 0; j < cols; j++) if (data[i * cols + j] > 0 && this.surprisal[j] > s) s = this.surprisal[j]
      out[i] = s
    }
    return out
  }

  protected stateJSON(): unknown {
    return {surprisal: toArray(this.surprisal), nTrain: this.nTrain}
  }

  protected restoreState(state: unknown): void {
    const s = state as {surprisal: number[]; nTrain: number}
    this.surprisal = Float64Array.from(s.surprisal)
    this.nTrain = s.nTrain
  }
}

const RareTemplateJSON = savedDetector(
  'rare-template',
  z.strictObject({maxRareShare: z.number().gt(0).max(1), contamination}),
  z.object({nFeatures, surprisal: z.array(finite.nonnegative()), nTrain: positiveInt}),
  finite.nonnegative(),
).superRefine((m, ctx) => {
  expectLength(ctx, ['state', 'surprisal'], m.state.surprisal.length, m.state.nFeatures)
  // −log10((df + 0.5)/(N + 1)) for 0 ≤ df ≤ N: nothing a fit on nTrain sessions can produce lies outside.
  const max = Math.log10(2 * (m.state.nTrain + 1)) + 1e-9
  const j = m.state.surprisal.findIndex((v) => v > max)
  if (j >= 0) ctx.addIssue({code: 'custom', path: ['state', 'surprisal', j], message: `${m.state.surprisal[j]} is above ${max.toFixed(3)}, the most a fit on ${m.state.nTrain} sessions gives`})
})

export const rareTemplate: DetectorEntry = {
  name: 'rare-template',
  create: (p) => new RareTemplate(p),
  // the unseen column gives never-seen templates (scored with a saved model) the top surprisal
  features: COUNTS_AND_UNSEEN,
  grid: {maxRareShare: [0.01, 0.02, 0.05]},
  schema: RareTemplateJSON,
}
