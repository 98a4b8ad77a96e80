/**
 * The second pass over a finished run: Drain generalises any position where two lines differ, so
 * events that differ in one word of a short message fall into one template (`VM Resumed` / `VM
 * Paused`, `Starting TrustedInstaller initialization.` / `... finalization.`, `user=root` /
 * `user=guest`). A word that takes only a few values over a whole log names the event, where a
 * parameter takes many; so a template's `<*>` position whose values were all plain words (no
 * digits, no unit or calendar word), and at most MAX_WORD_VALUES of them, splits it into one
 * template per value (the idea of Brain's column split, Yu et al. 2023, on Drain's output).
 *
 * Each cluster keeps the distinct masked shapes of its lines (what the masked-line cache keys on:
 * a plain word is never masked, so every line's words are in its shape), recorded on cache misses
 * only, so the hot path does not change. The split is a view for the consumer of a finished run
 * (`flare parse` rows, bench/parse-ga.mjs): the miner's own clusters and ids stay as they are.
 */
import {WILDCARD, contextWords} from './masking/classify.js'
import type {Param} from './masking/config.js'

/** A position splits when its values are at most this many distinct words (measured on loghub-2k: 3). */
export const MAX_WORD_VALUES = 3
/** A cluster with more distinct shapes than this keeps its template (and stops recording). */
export const MAX_SHAPES = 256

/** One refined template: a cluster's template with its word positions filled in. */
export interface SplitTemplate {
  id: string
  tokens: string[]
  template: string
}

/** How a cluster splits: the positions, and the template per tuple of words at them. */
export interface ClusterSplit {
  positions: number[]
  byKey: Map<string, SplitTemplate>
}

/** A plain word, possibly `key=word` or ending in one punctuation mark, that is not a unit or calendar word. */
export function isWordValue(token: string): boolean {
  const a = token.lastIndexOf('=') + 1
  let b = token.length
  const last = token.charCodeAt(b - 1)
  if (last === 46 || last === 44 || last === 58 || last === 59) b--
  if (b <= a || !isAsciiLetter(token.charCodeAt(a))) return false
  for (let i = a + 1; i < b; i++) {
    const c = token.charCodeAt(i)
    if (!isAsciiLetter(c) && c !== 45) return false
  }
  return !contextWords.has(token.slice(a, b))
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

/** The positions of `template` to split on, given the cluster's shapes; empty when none qualifies. */
export function splitPositions(template: readonly string[], shapes: Iterable<readonly string[]>): number[] {
  const values: (Set<string> | null)[] = template.map((t) => (t === WILDCARD ? new Set<string>() : null))
  for (const shape of shapes) {
    if (shape.length !== template.length) continue
    for (let j = 0; j < shape.length; j++) {
      const set = values[j]
      if (set === null) continue
      if (!isWordValue(shape[j])) values[j] = null
      else {
        set.add(shape[j])
        if (set.size > MAX_WORD_VALUES) values[j] = null
      }
    }
  }
  const out: number[] = []
  values.forEach((set, j) => {
    if (set !== null && set.size >= 2) out.push(j)
  })
  return out
}

export function splitKey(tokens: readonly string[], positions: readonly number[]): string {
  let key = ''
  for (const j of positions) key += tokens[j] + '\u0000'
  return key
}

/**
 * The split templates of a finished run, and which one each message belongs to. Made by
 * TemplateMiner.refine(); ids of templates that do not split are passed through unchanged.
 */
export class Refinement {
  constructor(
    /** Base template id → the splits of its clusters, by token count. */
    private readonly splits: ReadonlyMap<string, ReadonlyMap<number, ClusterSplit>>,
    private readonly tokenize: (content: string) => string[],
    private readonly readParams: (content: string, template: readonly string[]) => Param[] | null,
  ) {}

  /** A message's parameters against its part's template (the words split on are not parameters). */
  params(content: string, part: SplitTemplate): Param[] | null {
    return this.readParams(content, part.tokens)
  }

  /** Template ids that split (their rows take the id of their part). */
  get splitIds(): ReadonlySet<string> {
    return new Set(this.splits.keys())
  }

  /** The part of template `templateId` a message belongs to, or undefined when it does not split. */
  part(content: string, templateId: string): SplitTemplate | undefined {
    const byLength = this.splits.get(templateId)
    if (byLength === undefined) return undefined
    const tokens = this.tokenize(content)
    const split = byLength.get(tokens.length)
    return split?.byKey.get(splitKey(tokens, split.positions))
  }

  /** The text of a part by its id. */
  template(id: string): string | undefined {
    for (const part of this.parts()) if (part.id === id) return part.template
    return undefined
  }

  /** Every part of every split template. */
  *parts(): IterableIterator<SplitTemplate> {
    for (const byLength of this.splits.values()) for (const split of byLength.values()) yield* split.byKey.values()
  }
}
