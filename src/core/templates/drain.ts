/**
 * The Drain prefix tree (He et al., ICWS 2017): the first level is keyed by token count, the next
 * `depth - 2` levels by the leading tokens (tokens holding digits share the `<*>` branch), and the
 * leaves hold clusters compared by token similarity. Clusters sit on an intrusive doubly linked
 * list ordered by last use, so the least recently used one is evicted in O(1) at the cap.
 */
import {WILDCARD, hasDigit} from './masking/classify.js'

export interface DrainConfig {
  /** Tree depth counting the root and the length level: depth 4 routes on the first 2 tokens. */
  depth: number
  /** A line joins the most similar cluster of its leaf when similarity >= this. */
  simThreshold: number
  /** Children per inner node before new tokens go down the `<*>` branch. */
  maxChildren: number
  /** Cap on live clusters; the least recently used is evicted beyond it (0 = no cap). */
  maxClusters: number
  /** Send tokens holding digits down the `<*>` branch, as Drain does. */
  parametrizeNumericTokens: boolean
}

export const defaultDrainConfig: Readonly<DrainConfig> = Object.freeze({
  depth: 4,
  // Drain's 0.4 assumes raw tokens; with masking most variable tokens are already `<*>`, and 0.6
  // measured best on the loghub 2k sets as one setting for all (bench/parse-ga.mjs).
  simThreshold: 0.6,
  maxChildren: 100,
  maxClusters: 100_000,
  parametrizeNumericTokens: true,
})

export class Cluster {
  /** Public template id; clusters that differ only in parameter tokens share one (see miner). */
  templateId: string
  tokens: string[]
  count: number
  /** The leaf list this cluster lives in, to unlink it on eviction. */
  leaf: Cluster[] | null = null
  alive = true
  /** Owner slot for the miner (its template group). */
  group: unknown = null
  /** Distinct masked shapes of its lines, by their text (refine.ts); null past the cap. */
  shapes: Map<string, string[]> | null = new Map()
  prev: Cluster | null = null
  next: Cluster | null = null
  private text: string | null = null

  constructor(templateId: string, tokens: string[], count: number) {
    this.templateId = templateId
    this.tokens = tokens
    this.count = count
  }

  get template(): string {
    return (this.text ??= this.tokens.join(' '))
  }

  /** Replaces differing tokens by `<*>`; returns true when the template changed. */
  generalize(tokens: readonly string[]): boolean {
    const t = this.tokens
    let changed = false
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== tokens[i] && t[i] !== WILDCARD) {
        t[i] = WILDCARD
        changed = true
      }
    }
    if (changed) this.text = null
    return changed
  }
}

class TreeNode {
  children: Map<string, TreeNode> | null = null
  clusters: Cluster[] | null = null
}

export class DrainTree {
  readonly config: Readonly<DrainConfig>
  private readonly byLength = new Map<number, TreeNode>()
  private readonly tokenLevels: number
  /** LRU list: head = least recently used. */
  private head: Cluster | null = null
  private tail: Cluster | null = null
  private live = 0
  private readonly evicted: ((cluster: Cluster) => void) | undefined

  constructor(config: Partial<DrainConfig> = {}, onEvict?: (cluster: Cluster) => void) {
    this.config = Object.freeze({...defaultDrainConfig, ...config})
    if (this.config.depth < 3) throw new RangeError('Drain depth must be at least 3')
    this.tokenLevels = this.config.depth - 2
    this.evicted = onEvict
  }

  get size(): number {
    return this.live
  }

  /** Clusters from least to most recently used. */
  *clusters(): IterableIterator<Cluster> {
    for (let c = this.head; c; c = c.next) yield c
  }

  /** The leaf the tokens route to, or null when no path exists (read-only). */
  private findLeaf(tokens: readonly string[], n: number): Cluster[] | null {
    let node: TreeNode | undefined = this.byLength.get(n)
    if (!node) return null
    const levels = Math.min(this.tokenLevels, n)
    for (let i = 0; i < levels; i++) {
      const ch: Map<string, TreeNode> | null = node.children
      if (!ch) return null
      const next: TreeNode | undefined = ch.get(tokens[i]) ?? ch.get(WILDCARD)
      if (!next) return null
      node = next
    }
    return node.clusters
  }

  /** The clusters a line of these tokens is compared with (its leaf), or none (read-only). */
  candidates(tokens: readonly string[]): readonly Cluster[] {
    return this.findLeaf(tokens, tokens.length) ?? []
  }

  /** The most similar cluster at or above the threshold, without changing anything. */
  search(tokens: readonly string[], threshold = this.config.simThreshold): Cluster | null {
    const leaf = this.findLeaf(tokens, tokens.length)
    return leaf ? bestMatch(leaf, tokens, threshold) : null
  }

  /** Adds a new cluster for these tokens (the caller decided no existing one fits). */
  insert(cluster: Cluster): void {
    const tokens = cluster.tokens
    const n = tokens.length
    let node: TreeNode | undefined = this.byLength.get(n)
    if (!node) {
      node = new TreeNode()
      this.byLength.set(n, node)
    }
    const levels = Math.min(this.tokenLevels, n)
    const maxChildren = this.config.maxChildren
    for (let i = 0; i < levels; i++) {
      const token = tokens[i]
      const ch: Map<string, TreeNode> = (node.children ??= new Map())
      let next: TreeNode | undefined = ch.get(token)
      if (!next) {
        const numeric = token === WILDCARD || (this.config.parametrizeNumericTokens && (hasDigit(token) || token.includes(WILDCARD)))
        let key: string
        if (numeric) key = WILDCARD
        else if (ch.has(WILDCARD)) key = ch.size < maxChildren ? token : WILDCARD
        else key = ch.size + 1 < maxChildren ? token : WILDCARD
        next = ch.get(key)
        if (!next) {
          next = new TreeNode()
          ch.set(key, next)
        }
      }
      node = next
    }
    const leaf = (node.clusters ??= [])
    leaf.push(cluster)
    cluster.leaf = leaf
    this.append(cluster)
    this.live++
    const cap = this.config.maxClusters
    if (cap > 0) while (this.live > cap && this.head && this.head !== cluster) this.remove(this.head)
  }

  /** Marks a cluster most recently used. */
  touch(c: Cluster): void {
    if (this.tail === c) return
    this.unlink(c)
    this.append(c)
  }

  remove(c: Cluster): void {
    if (!c.alive) return
    c.alive = false
    this.unlink(c)
    const leaf = c.leaf
    if (leaf) {
      const i = leaf.indexOf(c)
      if (i >= 0) leaf.splice(i, 1)
    }
    c.leaf = null
    this.live--
    this.evicted?.(c)
  }

  private append(c: Cluster): void {
    c.prev = this.tail
    c.next = null
    if (this.tail) this.tail.next = c
    else this.head = c
    this.tail = c
  }

  private unlink(c: Cluster): void {
    if (c.prev) c.prev.next = c.next
    else if (this.head === c) this.head = c.next
    if (c.next) c.next.prev = c.prev
    else if (this.tail === c) this.tail = c.prev
    c.prev = null
    c.next = null
  }
}

/**
 * Drain's similarity: share of positions where the template holds the line's exact token;
 * `<*>` positions never count as equal, so a template of mostly parameters must match its
 * constant words.
 */
export function similarity(template: readonly string[], tokens: readonly string[]): number {
  const n = template.length
  if (n === 0) return 1
  let same = 0
  for (let i = 0; i < n; i++) {
    const t = template[i]
    if (t !== WILDCARD && t === tokens[i]) same++
  }
  return same / n
}

function bestMatch(leaf: readonly Cluster[], tokens: readonly string[], threshold: number): Cluster | null {
  let best: Cluster | null = null
  let bestSim = -1
  let bestParams = -1
  for (let k = 0; k < leaf.length; k++) {
    const c = leaf[k]
    const sim = similarity(c.tokens, tokens)
    if (sim > bestSim || (sim === bestSim && wildcards(c.tokens) > bestParams)) {
      best = c
      bestSim = sim
      bestParams = wildcards(c.tokens)
    }
  }
  return best && bestSim >= threshold ? best : null
}

function wildcards(tokens: readonly string[]): number {
  let n = 0
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === WILDCARD) n++
  return n
}
