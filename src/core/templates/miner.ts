/**
 * TemplateMiner wires the masker and the Drain tree: message in, stable template id out. Ids are
 * `T1`, `T2`, ... in order of first sight, never reused (also not after eviction), and survive
 * toJSON()/fromJSON().
 *
 * Drain only compares lines of equal length, so an optional parameter (`2034 bytes (1.98 KB) sent`
 * next to `785 bytes sent`) splits one event into several clusters. Clusters whose templates have
 * the same constant tokens once the pure `<*>` tokens are dropped therefore share one template id
 * (a template group); the group's text is that of its oldest live cluster.
 */
import {type TemplateMinerConfig, type TemplateMinerOptions, resolveConfig} from './config.js'
import {Cluster, DrainTree, similarity} from './drain.js'
import {Masker, type MaskingConfig, type Param, WILDCARD} from './masking/index.js'
import {LinePreprocessor} from './preprocess.js'
import {TEMPLATE_STATE_VERSION, type TemplateState} from './state.js'
import {MAX_SHAPES, Refinement, type ClusterSplit, type SplitTemplate, splitKey, splitPositions} from './refine.js'

export type TemplateChange = 'new' | 'updated' | 'none'

export interface AddResult {
  templateId: string
  template: string
  change: TemplateChange
  /**
   * Typed parameters, only when the miner was built with `extractParams: true` (null when the
   * message does not align with its template).
   */
  params?: Param[] | null
}

export interface MatchResult {
  templateId: string
  template: string
}

/** How a message is mined, step by step, without changing anything (flare parse --explain). */
export interface LineInspection {
  /** The line after the user's rules and extra delimiters (the content itself without any). */
  prepared: string
  raw: string[]
  masked: string[]
  /** Per token, the parameters masked in it (null: a literal token). */
  params: (Param[] | null)[]
  /** The clusters of its Drain leaf (same length, same leading tokens), most similar first. */
  candidates: Array<{templateId: string; tokens: string[]; similarity: number}>
  threshold: number
  /** This exact masked shape was seen before and went to this template (the cache decides). */
  cached: string | null
  /** The most similar candidate at or above the threshold. */
  matched: string | null
  /** With no match: a template of another length with the same constant tokens it would join. */
  joins: string | null
}

export interface TemplateInfo {
  id: string
  template: string
  count: number
}

/** An entry of the masked-line cache (a chain per hash). */
export interface CacheEntry {
  tokens: string[]
  cluster: Cluster
  next: CacheEntry | undefined
  /** Free for a subclass's per-shape data (FastMiner keeps the shape's plan here). */
  plan: unknown
}

/** The clusters that share one template id (see the module comment). */
export class TemplateGroup {
  readonly clusters: Cluster[] = []
  readonly keys: string[] = []
  /** The miner's miss count when the template was created, or a cluster of it last generalised or was evicted. */
  changedAt = 0
  /** The template's text changed after its first line was mined (rows written before are stale). */
  revised = false
  constructor(readonly templateId: string) {}

  get template(): string {
    return this.clusters[0].template
  }

  get count(): number {
    let n = 0
    for (const c of this.clusters) n += c.count
    return n
  }
}

/**
 * The miner's public surface is what every command needs (add, match, parameters, templates,
 * state). The protected members and hooks are for FastMiner (src/core/mining/fast-miner.ts),
 * which adds the byte path, shape plans and the replication of its decisions to worker threads.
 */
export class TemplateMiner {
  readonly config: Readonly<TemplateMinerConfig>
  protected readonly masker: Masker
  protected readonly tree: DrainTree
  protected readonly byId = new Map<string, TemplateGroup>()
  /** Constant-token key → group, for joining clusters of different lengths. */
  private readonly byKey = new Map<string, TemplateGroup>()
  /** Masked-line hash → cluster: lines of an already-seen shape skip the tree search. */
  protected readonly cache = new Map<number, CacheEntry>()
  private cacheEntries = 0
  private nextId = 1
  /** Messages that missed the cache so far (the only ones that can change the tree). */
  protected misses = 0
  /** The cache entry the last assign() hit; null when it missed. */
  protected hit: CacheEntry | null = null
  /** The user's rules and extra delimiters; undefined when there are none (the usual case). */
  protected readonly pre: LinePreprocessor | undefined

  constructor(options: TemplateMinerOptions = {}) {
    this.config = resolveConfig(options)
    this.masker = this.createMasker(this.config.masking)
    this.pre = LinePreprocessor.needed(this.config) ? new LinePreprocessor(this.config.rules, this.config.extraDelimiters) : undefined
    this.tree = new DrainTree(this.config.drain, (c) => this.evicted(c))
  }

  protected createMasker(config: Readonly<MaskingConfig>): Masker {
    return new Masker(config)
  }

  protected newCluster(templateId: string, tokens: string[], count: number): Cluster {
    return new Cluster(templateId, tokens, count)
  }

  /** Called on every cache miss of add(), with the masked tokens (not to be kept) and their hash. */
  protected missed(_tokens: readonly string[], _hash: number): void {}

  /** Called when the masked-line cache is emptied at its cap (which remaps shapes seen before). */
  protected cacheCleared(): void {}

  /** Number of live template ids (at most drain.maxClusters). */
  get size(): number {
    return this.byId.size
  }

  /** Number of live Drain clusters (>= size: a template group may hold several lengths). */
  get clusterCount(): number {
    return this.tree.size
  }

  /** True when user rules or extra delimiters rewrite lines first: the byte path cannot take them. */
  get preprocesses(): boolean {
    return this.pre !== undefined
  }

  /** Mines one message: assigns it to a template, creating or generalising one as needed. */
  add(content: string): AddResult {
    this.masker.scan(this.pre ? this.pre.prepare(content) : content)
    const cluster = this.assign()
    const result: AddResult = {templateId: cluster.templateId, template: (cluster.group as TemplateGroup).template, change: this.lastChange}
    if (this.config.extractParams) result.params = this.paramsFor(content, cluster)
    return result
  }

  /** What the last add() / addBytes() did to the templates. */
  lastChange: TemplateChange = 'none'

  /** Assigns the masker's last scan to a cluster (the shared body of add and FastMiner.addBytes). */
  protected assign(): Cluster {
    const masker = this.masker
    const hash = masker.hash
    let entry = this.cache.get(hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    if (entry !== undefined && entry.cluster.alive) {
      const cluster = entry.cluster
      cluster.count++
      this.tree.touch(cluster)
      this.lastChange = 'none'
      this.hit = entry
      return cluster
    }
    this.hit = null
    const tokens = masker.materialize()
    this.misses++
    this.missed(tokens, hash)
    return this.assignTokens(tokens, hash, entry)
  }

  /** The cache-miss path of assign(): the Drain tree decides, and the cache learns the shape. */
  protected assignTokens(tokens: string[], hash: number, entry: CacheEntry | undefined): Cluster {
    if (entry === undefined) {
      entry = this.cache.get(hash)
      while (entry !== undefined && !sameTokens(entry.tokens, tokens)) entry = entry.next
    }
    let cluster: Cluster
    let change: TemplateChange = 'none'
    const found = this.tree.search(tokens)
    if (found) {
      cluster = found
      if (cluster.generalize(tokens)) {
        const group = cluster.group as TemplateGroup
        if (group.clusters[0] === cluster) {
          change = 'updated'
          group.revised = true
        }
        group.changedAt = this.misses
        this.register(group, cluster.tokens)
      }
      cluster.count++
      this.tree.touch(cluster)
    } else {
      const key = constantKey(tokens)
      let group = key === null ? undefined : this.byKey.get(key)
      if (!group) {
        group = new TemplateGroup(`T${this.nextId++}`)
        this.byId.set(group.templateId, group)
        group.changedAt = this.misses
        change = 'new'
      }
      // A cluster joining a template (another length of it) changes nothing its lines wrote: the
      // text is the first cluster's, and their parameters are read against the first cluster that
      // fits them, which comes before the newcomer. So changedAt stays.
      cluster = this.newCluster(group.templateId, tokens.slice(), 1)
      cluster.group = group
      group.clusters.push(cluster)
      this.register(group, cluster.tokens)
      this.tree.insert(cluster)
    }
    recordShape(cluster, tokens)
    if (entry !== undefined) entry.cluster = cluster
    else if (this.config.cacheSize > 0) {
      if (this.cacheEntries >= this.config.cacheSize) {
        this.cache.clear()
        this.cacheEntries = 0
        this.cacheCleared()
      }
      this.cache.set(hash, {tokens, cluster, next: this.cache.get(hash), plan: null})
      this.cacheEntries++
    }
    this.lastChange = change
    return cluster
  }

  /** The template a message would join, without changing any state; null when none fits. */
  match(content: string): MatchResult | null {
    const masker = this.masker
    masker.scan(this.pre ? this.pre.prepare(content) : content)
    let entry = this.cache.get(masker.hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    const tokens = entry?.tokens ?? masker.materialize()
    const cluster = entry?.cluster.alive ? entry.cluster : this.tree.search(tokens)
    if (!cluster || !covers(cluster.tokens, tokens)) return null
    return {templateId: cluster.templateId, template: (cluster.group as TemplateGroup).template}
  }

  inspect(content: string): LineInspection {
    const prepared = this.pre ? this.pre.prepare(content) : content
    const masked: string[] = []
    const raw: string[] = []
    const params: (Param[] | null)[] = []
    this.masker.tokenize(prepared, masked, params, raw)
    this.masker.scan(prepared)
    let entry = this.cache.get(this.masker.hash)
    while (entry !== undefined && !sameTokens(entry.tokens, masked)) entry = entry.next
    const candidates = this.tree.candidates(masked).map((c) => ({templateId: c.templateId, tokens: c.tokens.slice(), similarity: similarity(c.tokens, masked)}))
    candidates.sort((a, b) => b.similarity - a.similarity)
    const key = constantKey(masked)
    const matched = this.tree.search(masked)
    return {
      prepared,
      raw,
      masked,
      params,
      candidates,
      threshold: this.config.drain.simThreshold,
      cached: entry?.cluster.alive ? entry.cluster.templateId : null,
      matched: matched ? matched.templateId : null,
      joins: matched || key === null ? null : (this.byKey.get(key)?.templateId ?? null),
    }
  }

  private register(group: TemplateGroup, tokens: readonly string[]): void {
    const key = constantKey(tokens)
    if (key === null || this.byKey.has(key)) return
    this.byKey.set(key, group)
    group.keys.push(key)
  }

  protected evicted(cluster: Cluster): void {
    const group = this.byId.get(cluster.templateId)
    if (!group) return
    // Parameters are read against the group's clusters: one leaving changes the group.
    group.changedAt = this.misses
    const i = group.clusters.indexOf(cluster)
    if (i >= 0) group.clusters.splice(i, 1)
    if (group.clusters.length > 0) {
      // The group's text is its oldest live cluster's: losing that one may change it.
      if (i === 0 && group.template !== cluster.template) group.revised = true
      return
    }
    this.byId.delete(group.templateId)
    for (const k of group.keys) if (this.byKey.get(k) === group) this.byKey.delete(k)
  }

  /**
   * The values at the template's `<*>` positions (and inside partly masked tokens such as
   * `size=<*>`), each with its type. Returns null for an unknown id or a message of another length.
   */
  extractParams(content: string, templateId: string): Param[] | null {
    const group = this.byId.get(templateId)
    if (!group) return null
    for (const c of group.clusters) {
      const p = this.paramsFor(content, c)
      if (p) return p
    }
    return null
  }

  private paramsFor(content: string, cluster: Cluster): Param[] | null {
    const pre = this.pre
    if (!pre) return this.masker.params(content, cluster.tokens)
    const masker = this.masker
    masker.scan(pre.prepare(content))
    const n = masker.paramRanges(cluster.tokens)
    return n < 0 ? null : pre.fillParams(content, n, masker.paramStart, masker.paramEnd, masker.paramType)
  }

  private refined: {misses: number; refinement: Refinement} | null = null

  /**
   * The second pass over the run so far (refine.ts): templates whose `<*>` positions only ever
   * held a few plain words split into one template per word. New ids come after every id given so
   * far; asking again without new lines returns the same split.
   */
  refine(): Refinement {
    if (this.refined?.misses === this.misses) return this.refined.refinement
    const splits = new Map<string, Map<number, ClusterSplit>>()
    for (const group of this.byId.values()) {
      let baseTaken = false
      for (const c of group.clusters) {
        if (!c.shapes || c.shapes.size < 2) continue
        const positions = splitPositions(c.tokens, c.shapes.values())
        if (positions.length === 0) continue
        const byKey = new Map<string, SplitTemplate>()
        for (const shape of c.shapes.values()) {
          const key = splitKey(shape, positions)
          if (byKey.has(key)) continue
          const tokens = c.tokens.slice()
          for (const j of positions) tokens[j] = shape[j]
          const id = baseTaken ? `T${this.nextId++}` : group.templateId
          baseTaken = true
          byKey.set(key, {id, tokens, template: tokens.join(' ')})
        }
        let byLength = splits.get(group.templateId)
        if (!byLength) splits.set(group.templateId, (byLength = new Map()))
        byLength.set(c.tokens.length, {positions, byKey})
      }
    }
    const refinement = new Refinement(
      splits,
      (content) => {
        this.masker.scan(content)
        return this.masker.materialize()
      },
      (content, template) => this.masker.params(content, template),
    )
    this.refined = {misses: this.misses, refinement}
    return refinement
  }

  /** Live templates in id order. */
  templates(): TemplateInfo[] {
    const out: TemplateInfo[] = []
    for (const g of this.byId.values()) out.push({id: g.templateId, template: g.template, count: g.count})
    return out.sort((a, b) => idNumber(a.id) - idNumber(b.id))
  }

  /**
   * Live templates whose text changed since their first line was mined, id → final text: rows
   * written while mining hold an earlier text for these (flare parse rewrites them).
   */
  revisedTemplates(): Map<string, string> {
    const out = new Map<string, string>()
    for (const g of this.byId.values()) if (g.revised) out.set(g.templateId, g.template)
    return out
  }

  template(templateId: string): TemplateInfo | undefined {
    const g = this.byId.get(templateId)
    return g ? {id: g.templateId, template: g.template, count: g.count} : undefined
  }

  /**
   * Plain JSON state: config, next id and the clusters from least to most recently used (a
   * template id appears once per cluster of its group).
   */
  toJSON(): TemplateState {
    const clusters: TemplateState['clusters'] = []
    for (const c of this.tree.clusters()) clusters.push({id: c.templateId, template: c.template, count: c.count})
    return {
      version: TEMPLATE_STATE_VERSION,
      config: structuredClone(this.config) as TemplateMinerConfig,
      nextId: this.nextId,
      clusters,
    }
  }

  /**
   * Rebuilds a miner from toJSON() output. `state` must be valid: state read from a file goes
   * through parseTemplateState (state-schema.ts) first, which throws FlareError when it is not.
   */
  static fromJSON<M extends TemplateMiner>(this: new (options?: TemplateMinerOptions) => M, state: TemplateState, overrides: TemplateMinerOptions = {}): M {
    const miner = new this({
      drain: {...state.config.drain, ...overrides.drain},
      masking: {...state.config.masking, ...overrides.masking},
      extractParams: overrides.extractParams ?? state.config.extractParams,
      cacheSize: overrides.cacheSize ?? state.config.cacheSize,
      rules: overrides.rules ?? state.config.rules,
      extraDelimiters: overrides.extraDelimiters ?? state.config.extraDelimiters,
    })
    let maxId = 0
    for (const s of state.clusters) {
      const tokens = s.template === '' ? [] : s.template.split(' ')
      let group = miner.byId.get(s.id)
      if (!group) {
        group = new TemplateGroup(s.id)
        miner.byId.set(s.id, group)
      }
      const c = miner.newCluster(s.id, tokens, s.count)
      // Its lines' words are not known: refine() leaves it as it is.
      c.shapes = null
      c.group = group
      group.clusters.push(c)
      miner.register(group, tokens)
      miner.tree.insert(c)
      maxId = Math.max(maxId, idNumber(s.id))
    }
    miner.nextId = Math.max(state.nextId, maxId + 1)
    return miner
  }
}

/** Remembers a cluster's new masked shape for refine(), up to MAX_SHAPES of them. */
function recordShape(cluster: Cluster, tokens: string[]): void {
  const shapes = cluster.shapes
  if (shapes === null) return
  const key = tokens.join(' ')
  if (shapes.has(key)) return
  if (shapes.size >= MAX_SHAPES) cluster.shapes = null
  else shapes.set(key, tokens)
}

/** The template's constant tokens, or null when none holds a letter (too little to join on). */
function constantKey(tokens: readonly string[]): string | null {
  let key = ''
  let letters = false
  for (const t of tokens) {
    if (t === WILDCARD) continue
    key += key === '' ? t : ' ' + t
    if (!letters) for (let i = 0; i < t.length && !letters; i++) letters = isLetter(t.charCodeAt(i))
  }
  return letters ? key : null
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function idNumber(id: string): number {
  return Number(id.slice(1))
}

/** True when every literal template token equals the line's token (the template covers the line). */
function covers(template: readonly string[], tokens: readonly string[]): boolean {
  if (template.length !== tokens.length) return false
  for (let i = 0; i < template.length; i++) if (template[i] !== WILDCARD && template[i] !== tokens[i]) return false
  return true
}
