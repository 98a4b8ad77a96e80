import {SessionLists} from '../sessions/lists.js'
import {sessionAt, type Session, type Sessions} from '../sessions/store.js'
import {featureBlocks, type FeatureBlock, type FeatureConfig} from './config.js'
import {RowSet, type UniqueRows} from '../detect/dedupe.js'
import {createMatrix, type FeatureMatrix} from './matrix.js'
import type {Vocabulary} from './vocabulary.js'
import {widened} from '../templates/masking/classify.js'

export {DEFAULT_FEATURES, FeatureConfig, FeatureSetName, resolveFeatures} from './config.js'

export const EXTRA_COLUMNS = [
  'events',
  'distinct_templates',
  'unseen_events',
  'unseen_templates',
  'error_events',
  'warn_events',
  'duration_s',
  'gap_mean_s',
  'gap_max_s',
] as const

export function featureColumns(vocab: Vocabulary, config: FeatureConfig): string[] {
  return featureBlocks(config).flatMap(({prefix, block}) => blockColumns(vocab, block).map((c) => prefix + c))
}

function blockColumns(vocab: Vocabulary, config: FeatureBlock): string[] {
  const cols: string[] = []
  for (const set of config.sets) {
    if (set === 'counts') cols.push(...vocab.templateIds.map((id) => `count:${id}`))
    else if (set === 'tfidf') cols.push(...vocab.templateIds.map((id) => `tfidf:${id}`))
    else if (set === 'presence') cols.push(...vocab.templateIds.map((id) => `has:${id}`))
    else if (set === 'extras') cols.push(...EXTRA_COLUMNS)
    else if (set === 'unseen') cols.push('unseen_events')
    else cols.push(...vocab.bigrams.slice(0, config.maxBigrams).map(([a, b]) => `next:${a}>${b}`))
  }
  return cols
}

/**
 * Session → feature vectors, with the vocabulary's columns. `idOf` resolves template indices.
 * A per-member config gives each member's block side by side, their widths in `blocks`.
 */
export function buildFeatures(sessions: Sessions, vocab: Vocabulary, config: FeatureConfig, idOf: (templateIndex: number) => string): FeatureMatrix {
  const rows = rowWriter(vocab, config, idOf)
  const m = createMatrix(sessions.length, rows.cols, rows.columns)
  if (rows.blocks) m.blocks = rows.blocks
  for (let i = 0; i < sessions.length; i++) rows.write(sessionAt(sessions, i), m.data, i * m.cols)
  return m
}

/**
 * buildFeatures() as its distinct rows (in order of first appearance) and each session's row
 * among them (uniqueRows of buildFeatures, without the dense matrix in between): sessions repeat
 * the same few hundred vectors, so this holds a few numbers per session instead of a row.
 */
export function buildUniqueFeatures(sessions: Sessions, vocab: Vocabulary, config: FeatureConfig, idOf: (templateIndex: number) => string): UniqueRows {
  const rows = rowWriter(vocab, config, idOf)
  const set = new RowSet(rows.cols)
  const scratch = new Float64Array(rows.cols)
  const inverse = new Int32Array(sessions.length)
  for (let i = 0; i < sessions.length; i++) {
    scratch.fill(0)
    rows.write(sessionAt(sessions, i), scratch, 0)
    inverse[i] = set.add(scratch)
  }
  const {unique, weights} = set.result(rows.columns)
  if (rows.blocks) unique.blocks = rows.blocks
  return {unique, weights, inverse}
}

interface RowWriter {
  cols: number
  columns: string[]
  /** Widths of the side-by-side member blocks (more than one member only). */
  blocks?: number[]
  /** Writes a session's features into out[at, at + cols), which must hold zeros. */
  write: (s: Session, out: Float64Array, at: number) => void
}

function rowWriter(vocab: Vocabulary, config: FeatureConfig, idOf: (templateIndex: number) => string): RowWriter {
  const parts = featureBlocks(config).map(({block}) => blockWriter(vocab, block, idOf))
  if (parts.length === 1) return parts[0]
  const blocks = parts.map((p) => p.cols)
  return {
    cols: blocks.reduce((n, w) => n + w, 0),
    columns: featureColumns(vocab, config),
    blocks,
    write: (s, out, at) => {
      for (const p of parts) {
        p.write(s, out, at)
        at += p.cols
      }
    },
  }
}

function blockWriter(vocab: Vocabulary, config: FeatureBlock, idOf: (templateIndex: number) => string): RowWriter {
  const columns = blockColumns(vocab, config)
  const V = vocab.size
  // template index (pipeline-local) → vocabulary column, resolved once per index
  // (column + 2, 0 while unresolved: a typed array, as this runs for every template of every session)
  let colOf = new Int32Array(64)
  const column = (templateIndex: number): number => {
    if (templateIndex >= colOf.length) colOf = widened(colOf, Math.max(templateIndex + 1, 2 * colOf.length))
    let c = colOf[templateIndex]
    if (c === 0) colOf[templateIndex] = c = (vocab.index.get(idOf(templateIndex)) ?? -1) + 2
    return c - 2
  }
  const bigramCol = new Map<string, number>()
  vocab.bigrams.slice(0, config.maxBigrams).forEach(([a, b], k) => bigramCol.set(`${a}>${b}`, k))
  // transition key → bigram column (−1: none), resolved by name once per key
  const pairCol = new Map<number, number>()
  const pairColumn = (key: number): number => {
    let c = pairCol.get(key)
    if (c === undefined) {
      c = bigramCol.get(`${idOf(Math.floor(key / 1_048_576))}>${idOf(key % 1_048_576)}`) ?? -1
      pairCol.set(key, c)
    }
    return c
  }
  const log = config.transform === 'log1p'
  const f = (x: number): number => (log ? Math.log1p(x) : x)

  // Each session's lists are read into these (no array per session); its transitions only when a set uses them.
  const lists = new SessionLists()
  const withTransitions = config.sets.includes('bigrams')
  const write = (s: Session, out: Float64Array, at: number): void => {
    let offset = at
    s.readLists(lists, withTransitions)
    const t = lists.templates
    const tLen = lists.templateWords
    for (const set of config.sets) {
      if (set === 'counts' || set === 'tfidf' || set === 'presence') {
        for (let k = 0; k < tLen; k += 3) {
          const c = column(t[k])
          if (c < 0) continue
          const count = t[k + 1]
          out[offset + c] = set === 'presence' ? 1 : set === 'tfidf' ? f(count) * vocab.idf[c] : f(count)
        }
        offset += V
      } else if (set === 'unseen') {
        let unseen = 0
        for (let k = 0; k < tLen; k += 3) if (column(t[k]) < 0) unseen += t[k + 1]
        out[offset++] = f(unseen)
      } else if (set === 'extras') {
        let unseenEvents = 0
        let unseenTemplates = 0
        for (let k = 0; k < tLen; k += 3) {
          if (column(t[k]) < 0) {
            unseenEvents += t[k + 1]
            unseenTemplates++
          }
        }
        out[offset] = f(s.events)
        out[offset + 1] = f(tLen / 3)
        out[offset + 2] = f(unseenEvents)
        out[offset + 3] = unseenTemplates
        out[offset + 4] = f(s.errors)
        out[offset + 5] = f(s.warnings)
        out[offset + 6] = f(s.durationMs / 1000)
        out[offset + 7] = f(s.gaps === 0 ? 0 : s.gapSum / s.gaps / 1000)
        out[offset + 8] = f(s.gapMax / 1000)
        offset += EXTRA_COLUMNS.length
      } else {
        const tr = lists.transitions
        for (let k = 0; k < lists.transitionWords; k += 2) {
          const c = pairColumn(tr[k])
          if (c >= 0) out[offset + c] = f(tr[k + 1])
        }
        offset += bigramCol.size
      }
    }
  }
  return {cols: columns.length, columns, write}
}
