import {ExitCode, FlareError} from '../errors.js'
import {widened} from '../templates/masking/classify.js'
import {SessionLists} from '../sessions/lists.js'
import type {Session, Sessions} from '../sessions/store.js'

/**
 * Maps template ids (stable strings from the template miner) to feature columns. Fitted once on
 * training sessions and saved with the model, so a model trained yesterday reads today's logs with
 * the same columns; templates it has never seen are counted in the `unseen` extra columns.
 */
export class Vocabulary {
  readonly index: Map<string, number>
  /**
   * Mean count per column over the training sessions the detector did not flag (0: never seen in
   * them) — the normal profile batch incidents are described against, so live incidents from this
   * model say "never seen in normal sessions" and rate severity on the same evidence. Absent in
   * models saved before it was kept.
   */
  normalMean?: Float64Array

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
  static fit(sessions: Sessions, idOf: (templateIndex: number) => string, maxBigrams: number): Vocabulary {
    // Counted by template index in typed arrays (a million sessions: a string-keyed Map per
    // template occurrence took most of a second), then gathered by id.
    let byIndex: Float64Array = new Float64Array(128) // [sessions, lines] per template index
    const firstSeen: number[] = [] // template indices in order of first appearance
    const pairs = new PairCounts()
    const lists = new SessionLists()
    for (const s of sessions) {
      s.readLists(lists)
      const t = lists.templates
      for (let i = 0; i < lists.templateWords; i += 3) {
        const index = t[i]
        if (2 * index + 1 >= byIndex.length) byIndex = widened(byIndex, Math.max(2 * index + 2, 2 * byIndex.length))
        if (byIndex[2 * index]++ === 0) firstSeen.push(index)
        byIndex[2 * index + 1] += t[i + 1]
      }
      const tr = lists.transitions
      for (let i = 0; i < lists.transitionWords; i += 2) pairs.add(tr[i])
    }
    const df = new Map<string, number>()
    const total = new Map<string, number>()
    for (const index of firstSeen) {
      const id = idOf(index)
      df.set(id, (df.get(id) ?? 0) + byIndex[2 * index])
      total.set(id, (total.get(id) ?? 0) + byIndex[2 * index + 1])
    }
    const bigramDf = pairs.entries()
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
    const bigrams = bigramDf
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, maxBigrams)
      .map(([key]) => [idOf(Math.floor(key / 1_048_576)), idOf(key % 1_048_576)] as [string, string])
      .sort((a, b) => compareTemplateIds(a[0], b[0]) || compareTemplateIds(a[1], b[1]))
    return new Vocabulary(ids, idf, share, mean, bigrams, n)
  }

  /** Sets normalMean from the fitted sessions and the detector's flags (1 = anomalous). */
  fitNormalProfile(sessions: Sessions, anomalous: Uint8Array, idOf: (templateIndex: number) => string): void {
    const sum = new Float64Array(this.size)
    let normals = 0
    const lists = new SessionLists()
    const columnOf = new Map<number, number>()
    let i = -1
    for (const s of sessions) {
      i++
      if (anomalous[i]) continue
      normals++
      s.readLists(lists)
      const t = lists.templates
      for (let k = 0; k < lists.templateWords; k += 3) {
        let column = columnOf.get(t[k])
        if (column === undefined) columnOf.set(t[k], (column = this.index.get(idOf(t[k])) ?? -1))
        if (column >= 0) sum[column] += t[k + 1]
      }
    }
    this.normalMean = sum.map((x) => (normals ? x / normals : 0))
  }

  /** This vocabulary with a column more for each of `ids` (templates it never saw: no training statistics, zeros). */
  withColumns(ids: readonly string[]): Vocabulary {
    if (ids.length === 0) return this
    const pad = (a: Float64Array): Float64Array => {
      const out = new Float64Array(a.length + ids.length)
      out.set(a)
      return out
    }
    const wider = new Vocabulary([...this.templateIds, ...ids], pad(this.idf), pad(this.sessionShare), pad(this.meanCount), this.bigrams, this.trainingSessions)
    if (this.normalMean) wider.normalMean = pad(this.normalMean)
    return wider
  }

  /** Ids of the templates `sessions` hold that this vocabulary lacks, in order of template index. */
  unseenIn(sessions: Sessions, idOf: (templateIndex: number) => string): string[] {
    const lists = new SessionLists()
    const found = new Set<number>()
    for (const s of sessions) {
      s.readLists(lists)
      for (let k = 0; k < lists.templateWords; k += 3) found.add(lists.templates[k])
    }
    return [...found].sort((a, b) => a - b).map(idOf).filter((id) => !this.index.has(id))
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
      ...(this.normalMean ? {normal_mean: [...this.normalMean]} : {}),
    }
  }

  static fromJSON(json: unknown): Vocabulary {
    const v = json as VocabularyJSON
    if (!v || v.version !== 1 || !Array.isArray(v.template_ids) || !Array.isArray(v.idf) || v.idf.length !== v.template_ids.length) {
      throw new FlareError('the model\'s vocabulary is missing or malformed', {exitCode: ExitCode.badInput, hint: 'retrain with flare detect --save-model DIR'})
    }
    const vocabulary = new Vocabulary(
      v.template_ids,
      Float64Array.from(v.idf),
      Float64Array.from(v.session_share ?? v.idf.map(() => 0)),
      Float64Array.from(v.mean_count ?? v.idf.map(() => 0)),
      v.bigrams ?? [],
      v.training_sessions ?? 0,
    )
    if (Array.isArray(v.normal_mean) && v.normal_mean.length === v.template_ids.length) vocabulary.normalMean = Float64Array.from(v.normal_mean)
    return vocabulary
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
  normal_mean?: number[]
}

/**
 * The order of template ids in a vocabulary: ids whose part after their leading letters is a
 * number (T2 before T10; a name derived from a template's text whose hex digits are all decimal)
 * by that number, then every other id (N3fa9…) by its text. A total order, so a sort gives the
 * same columns whatever order the ids came in. Comparing a numbered id with an unnumbered one by
 * text made cycles: N2ab < T1 by text, T1 < N1234567890 by number, N1234567890 < N2ab by text.
 */
export function compareTemplateIds(a: string, b: string): number {
  const na = idNumber(a)
  const nb = idNumber(b)
  const fa = Number.isFinite(na)
  const fb = Number.isFinite(nb)
  if (fa !== fb) return fa ? -1 : 1
  if (fa && na !== nb) return na - nb
  return a < b ? -1 : a > b ? 1 : 0
}

/** The number after an id's leading letters (NaN: none, as in `custom`, or not a number, as in `T2x`). */
function idNumber(id: string): number {
  const rest = id.replace(/^\D+/, '')
  return rest === '' ? Number.NaN : Number(rest)
}

/**
 * Sessions per transition key (from * 2^20 + to): a dense table while template indices are
 * small (the usual case: tens to hundreds of templates), a Map past that.
 */
class PairCounts {
  private side = 0
  private dense = new Float64Array(0)
  private map?: Map<number, number>

  add(key: number): void {
    if (this.map) {
      this.map.set(key, (this.map.get(key) ?? 0) + 1)
      return
    }
    // (a subtraction, not %: keys of a packed session are doubles, and % of a double is a call)
    const from = Math.floor(key / 1_048_576)
    const to = key - from * 1_048_576
    if (from >= this.side || to >= this.side) {
      const need = Math.max(from, to) + 1
      if (need > DENSE_SIDE) {
        this.map = new Map(this.entries())
        this.map.set(key, (this.map.get(key) ?? 0) + 1)
        return
      }
      this.resize(Math.min(DENSE_SIDE, Math.max(need, 2 * this.side, 32)))
    }
    this.dense[from * this.side + to]++
  }

  /** [key, sessions] of every key counted, in no particular order. */
  entries(): Array<[number, number]> {
    if (this.map) return [...this.map.entries()]
    const out: Array<[number, number]> = []
    const side = this.side
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i] > 0) out.push([Math.floor(i / side) * 1_048_576 + (i % side), this.dense[i]])
    return out
  }

  private resize(side: number): void {
    const next = new Float64Array(side * side)
    for (let f = 0; f < this.side; f++) next.set(this.dense.subarray(f * this.side, (f + 1) * this.side), f * side)
    this.side = side
    this.dense = next
  }
}

/** Template indices below this use the dense pair table (8 MB at most). */
const DENSE_SIDE = 1024
