import {ExitCode, FlareError} from '../errors.js'
import type {Session} from '../sessions/store.js'

/**
 * Maps template ids (stable strings from the template miner) to feature columns. Fitted once on
 * training sessions and saved with the model, so a model trained yesterday reads today's logs with
 * the same columns; templates it has never seen are counted in the `unseen` extra columns.
 */
export class Vocabulary {
  readonly index: Map<string, number>

  constructor(
    readonly templateIds: string[],
    /** Inverse document frequency per template column: ln((1 + n) / (1 + df)) + 1. */
    readonly idf: Float64Array,
    /** Session frequency per template column in training (share of sessions containing it). */
    readonly sessionShare: Float64Array,
    /** Mean count per session in training, used to say how far a count is from normal. */
    readonly meanCount: Float64Array,
    /** Transition columns as [fromId, toId]. */
    readonly bigrams: Array<[string, string]>,
    readonly trainingSessions: number,
  ) {
    this.index = new Map(templateIds.map((id, i) => [id, i]))
  }

  get size(): number {
    return this.templateIds.length
  }

  /** Fit on sessions whose template indices resolve to ids through `idOf`. */
  static fit(sessions: Session[], idOf: (templateIndex: number) => string, maxBigrams: number): Vocabulary {
    const df = new Map<string, number>()
    const total = new Map<string, number>()
    const bigramDf = new Map<number, number>()
    for (const s of sessions) {
      const t = s.templates
      for (let i = 0; i < t.length; i += 3) {
        const id = idOf(t[i])
        df.set(id, (df.get(id) ?? 0) + 1)
        total.set(id, (total.get(id) ?? 0) + t[i + 1])
      }
      const tr = s.transitions
      for (let i = 0; i < tr.length; i += 2) bigramDf.set(tr[i], (bigramDf.get(tr[i]) ?? 0) + 1)
    }
    // Columns in a deterministic order: by numeric part of the id, then lexically.
    const ids = [...df.keys()].sort(compareTemplateIds)
    const n = sessions.length
    const idf = new Float64Array(ids.length)
    const share = new Float64Array(ids.length)
    const mean = new Float64Array(ids.length)
    ids.forEach((id, j) => {
      const d = df.get(id)!
      idf[j] = Math.log((1 + n) / (1 + d)) + 1
      share[j] = n === 0 ? 0 : d / n
      mean[j] = n === 0 ? 0 : total.get(id)! / n
    })
    const bigrams = [...bigramDf.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, maxBigrams)
      .map(([key]) => [idOf(Math.floor(key / 1_048_576)), idOf(key % 1_048_576)] as [string, string])
      .sort((a, b) => compareTemplateIds(a[0], b[0]) || compareTemplateIds(a[1], b[1]))
    return new Vocabulary(ids, idf, share, mean, bigrams, n)
  }

  toJSON(): VocabularyJSON {
    return {
      version: 1,
      template_ids: this.templateIds,
      idf: [...this.idf],
      session_share: [...this.sessionShare],
      mean_count: [...this.meanCount],
      bigrams: this.bigrams,
      training_sessions: this.trainingSessions,
    }
  }

  static fromJSON(json: unknown): Vocabulary {
    const v = json as VocabularyJSON
    if (!v || v.version !== 1 || !Array.isArray(v.template_ids) || !Array.isArray(v.idf) || v.idf.length !== v.template_ids.length) {
      throw new FlareError('the model\'s vocabulary is missing or malformed', {exitCode: ExitCode.badInput, hint: 'retrain with flare detect --save-model DIR'})
    }
    return new Vocabulary(
      v.template_ids,
      Float64Array.from(v.idf),
      Float64Array.from(v.session_share ?? v.idf.map(() => 0)),
      Float64Array.from(v.mean_count ?? v.idf.map(() => 0)),
      v.bigrams ?? [],
      v.training_sessions ?? 0,
    )
  }
}

export interface VocabularyJSON {
  version: 1
  template_ids: string[]
  idf: number[]
  session_share: number[]
  mean_count: number[]
  bigrams: Array<[string, string]>
  training_sessions: number
}

export function compareTemplateIds(a: string, b: string): number {
  const na = Number(a.replace(/^\D+/, ''))
  const nb = Number(b.replace(/^\D+/, ''))
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb
  return a < b ? -1 : a > b ? 1 : 0
}
