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
import {Cluster, DrainTree} from './drain.js'
import {Masker, PLAN_MASKABLE, type Param, WILDCARD} from './masking.js'
import {P_LIT_PARAM, ShapePlan} from './plan.js'
import {TEMPLATE_STATE_VERSION, type TemplateState} from './state.js'

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

export interface TemplateInfo {
  id: string
  template: string
  count: number
}

interface CacheEntry {
  tokens: string[]
  cluster: Cluster
  next: CacheEntry | undefined
  /** The shape's plan, once a byte-path line hit this entry (see the plan cache). */
  plan: ShapePlan | null
}

/** Plans at most (they are made for shapes seen twice; HDFS has a few dozen). */
const MAX_PLANS = 4096
/** Plans per bucket at most: a line tries each of its bucket's plans before it is masked. */
const MAX_BUCKET = 16

class TemplateGroup {
  readonly clusters: Cluster[] = []
  readonly keys: string[] = []
  /** missCount when the template was created, or a cluster of it last generalised or was evicted. */
  changedAt = 0
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

export class TemplateMiner {
  readonly config: Readonly<TemplateMinerConfig>
  private readonly masker: Masker
  private readonly tree: DrainTree
  private readonly byId = new Map<string, TemplateGroup>()
  /** Constant-token key → group, for joining clusters of different lengths. */
  private readonly byKey = new Map<string, TemplateGroup>()
  /** Masked-line hash → cluster: lines of an already-seen shape skip the tree search. */
  private readonly cache = new Map<number, CacheEntry>()
  private cacheEntries = 0
  private nextId = 1
  /**
   * The plan cache of the byte path: shape plans by the key of their first token (see
   * Masker.shapeKey). A line that fits a valid plan of its bucket maps to the plan's cluster
   * without being masked, hashed and looked up; Masker.fitPlan leaves its parameters ready.
   */
  private readonly plans = new Map<number, ShapePlan[]>()
  private planCount = 0
  /** False: no plans are made (every line is masked); for comparing the two paths. */
  usePlans = true
  /** Byte-path lines a plan served. */
  planHits = 0
  /** Parameters of the last addBytes() / lookupBytes() when a plan served it; -2 when not. */
  private planParams = -2
  /** The cache entry the last byte-path scan hit, for lastParamRanges() to make its plan. */
  private planFor: CacheEntry | null = null

  constructor(options: TemplateMinerOptions = {}) {
    this.config = resolveConfig(options)
    this.masker = new Masker(this.config.masking)
    this.tree = new DrainTree(this.config.drain, (c) => this.evicted(c))
  }

  /** Number of live template ids (at most drain.maxClusters). */
  get size(): number {
    return this.byId.size
  }

  /** Number of live Drain clusters (>= size: a template group may hold several lengths). */
  get clusterCount(): number {
    return this.tree.size
  }

  /** Mines one message: assigns it to a template, creating or generalising one as needed. */
  add(content: string): AddResult {
    this.planParams = -2
    this.planFor = null
    this.masker.scan(content)
    const cluster = this.assign()
    const result: AddResult = {templateId: cluster.templateId, template: (cluster.group as TemplateGroup).template, change: this.lastChange}
    if (this.config.extractParams) result.params = this.paramsFor(content, cluster)
    return result
  }

  /**
   * Mines the UTF-8 message buf[from, to) as add() does a string, without making strings for it.
   * Returns the cluster; its templateId is the line's template id, templateOf() its text, and
   * lastParamRanges() its parameters. `lastChange` tells whether a template was created or changed.
   */
  addBytes(buf: Buffer, from: number, to: number): Cluster {
    const planned = this.fromPlan(buf, from, to)
    if (planned !== null) {
      planned.count++
      this.tree.touch(planned)
      this.lastChange = 'none'
      return planned
    }
    this.masker.scanBytes(buf, from, to)
    return this.assign(true)
  }

  /** The cluster of the first valid plan of the line's bucket that the line fits, or null. */
  private fromPlan(buf: Buffer, from: number, to: number): Cluster | null {
    this.planParams = -2
    this.planFor = null
    if (this.planCount === 0) return null
    const key = this.masker.shapeKey(buf, from, to)
    const bucket = key < 0 ? undefined : this.plans.get(key)
    if (bucket === undefined) return null
    for (let j = 0; j < bucket.length; j++) {
      const plan = bucket[j]
      if (!this.planValid(plan)) continue
      const np = this.masker.fitPlan(buf, from, to, plan)
      if (np < 0) continue
      // One step towards the front: the bucket's common shapes end up tried first.
      if (j > 0) {
        bucket[j] = bucket[j - 1]
        bucket[j - 1] = plan
      }
      this.planParams = np
      this.planHits++
      return plan.cluster
    }
    return null
  }

  /**
   * A plan stays valid while its cluster lives, its template group is unchanged (no cluster of it
   * generalised, joined or left since: the parameters are read against the group's clusters).
   * Emptying the cache, which can remap a shape, drops every plan.
   */
  private planValid(plan: ShapePlan): boolean {
    const cluster = plan.cluster as Cluster
    return cluster.alive && (cluster.group as TemplateGroup).changedAt <= plan.epoch
  }

  /** Makes (or renews) the plan of cache entry `entry`, whose line's parameters fit `template`. */
  private makePlan(entry: CacheEntry, template: readonly string[]): void {
    const masker = this.masker
    const renew = entry.plan !== null
    const plan = entry.plan ?? new ShapePlan()
    if (!masker.planFrom(template, plan) || plan.n === 0) return
    plan.cluster = entry.cluster
    plan.epoch = this.missCount
    if (renew || this.planCount >= MAX_PLANS) return
    // The bucket a line of this shape looks in: its first token decides, as in shapeKey.
    const key = plan.ops[0] <= P_LIT_PARAM ? masker.shapeKey(plan.lits, plan.litStart[0], plan.litEnd[0]) : PLAN_MASKABLE
    let bucket = this.plans.get(key)
    if (bucket === undefined) this.plans.set(key, (bucket = []))
    if (bucket.length >= MAX_BUCKET) return
    bucket.push(plan)
    entry.plan = plan
    this.planCount++
  }

  /** What the last add() / addBytes() did to the templates. */
  lastChange: TemplateChange = 'none'

  /**
   * When set, every message that missed the cache (the only ones that can change the tree) is
   * appended as its masked tokens and hash. Replaying the log in order with replay() on a miner
   * that started from the same state gives an identical miner: how `flare parse` keeps the
   * read-only replicas in its worker threads in step.
   */
  missLog: Array<{tokens: string[]; hash: number}> | null = null

  /** Clusters evicted at the cap so far (replicas are only exact while this is 0). */
  evictions = 0

  /** Messages that missed the cache so far (= entries ever appended to missLog). */
  missCount = 0

  /** Times the masked-line cache was emptied at its cap (which remaps shapes seen before it). */
  cacheClears = 0

  /**
   * True when template `templateId` was created or changed (a cluster of it generalised or was
   * evicted) by a miss after the first `version` misses: rows a replica wrote for it at that version may
   * differ from this miner's.
   */
  changedSince(templateId: string, version: number): boolean {
    const group = this.byId.get(templateId)
    return !group || group.changedAt > version
  }

  /** Applies one entry of another miner's missLog (see there); `count` false: the line is counted elsewhere. */
  replay(tokens: string[], hash: number, count = true): void {
    this.missCount++
    // Tokens that crossed a thread boundary are copies in an array of another kind: rebuild the
    // array as materialize() does and make wildcards the one shared string again, so the hot
    // paths see one array shape and compare wildcards by reference.
    const own: string[] = []
    for (let i = 0; i < tokens.length; i++) own.push(tokens[i] === WILDCARD ? WILDCARD : tokens[i])
    const cluster = this.assignTokens(own, hash, undefined)
    if (!count) cluster.count--
  }

  /**
   * The cluster the UTF-8 message buf[from, to) maps to through the masked-line cache, without
   * changing anything; null when the line's shape was never seen (it would need the tree).
   * lastParamRanges() then describes its parameters.
   */
  lookupBytes(buf: Buffer, from: number, to: number): Cluster | null {
    const planned = this.fromPlan(buf, from, to)
    if (planned !== null) return planned
    const masker = this.masker
    masker.scanBytes(buf, from, to)
    let entry = this.cache.get(masker.hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    if (entry === undefined || !entry.cluster.alive) return null
    this.planFor = entry
    return entry.cluster
  }

  /** Adds occurrences counted elsewhere (a replica's) to cluster `index` of template `templateId`. */
  addCount(templateId: string, index: number, count: number): void {
    const cluster = this.byId.get(templateId)?.clusters[index]
    if (!cluster) return
    cluster.count += count
    this.tree.touch(cluster)
  }

  /** Position of a cluster within its template's clusters (for addCount). */
  clusterIndex(cluster: Cluster): number {
    return (cluster.group as TemplateGroup).clusters.indexOf(cluster)
  }

  /** The current text of a cluster's template (its group's, see the class comment). */
  templateOf(cluster: Cluster): string {
    return (cluster.group as TemplateGroup).template
  }

  /**
   * Parameters of the last addBytes() message against the template of `cluster`, the cluster
   * addBytes() returned (picked among the template's clusters as extractParams() does): their number, with byte ranges and types in the masker's paramStart / paramEnd /
   * paramType, or -1 when the message fits none of the template's clusters.
   */
  lastParamRanges(cluster: Cluster): number {
    if (this.planParams !== -2) return this.planParams
    const group = cluster.group as TemplateGroup
    for (const c of group.clusters) {
      // The line's own cluster covers it: it generalised to the line's shape when the shape was
      // first seen, and templates only ever gain wildcards.
      const n = this.masker.paramRanges(c.tokens, c === cluster)
      if (n >= 0) {
        const entry = this.planFor
        if (entry !== null && this.usePlans && (entry.plan === null || !this.planValid(entry.plan))) this.makePlan(entry, c.tokens)
        this.planFor = null
        return n
      }
    }
    return -1
  }

  /** The masker whose last scan lastParamRanges() describes (read its param arrays only). */
  get scanner(): Masker {
    return this.masker
  }

  /**
   * Assigns the masker's last scan to a cluster (the shared body of add and addBytes); `bytes`:
   * a byte-path scan, whose cache hit may get a plan.
   */
  private assign(bytes = false): Cluster {
    const masker = this.masker
    const hash = masker.hash
    let entry = this.cache.get(hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    if (entry !== undefined && entry.cluster.alive) {
      const cluster = entry.cluster
      cluster.count++
      this.tree.touch(cluster)
      this.lastChange = 'none'
      if (bytes) this.planFor = entry
      return cluster
    }
    const tokens = masker.materialize()
    this.missCount++
    if (this.missLog) this.missLog.push({tokens: tokens.slice(), hash})
    return this.assignTokens(tokens, hash, entry)
  }

  /** The cache-miss path of assign(): the Drain tree decides, and the cache learns the shape. */
  private assignTokens(tokens: string[], hash: number, entry: CacheEntry | undefined): Cluster {
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
        if (group.clusters[0] === cluster) change = 'updated'
        group.changedAt = this.missCount
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
        group.changedAt = this.missCount
        change = 'new'
      }
      // A cluster joining a template (another length of it) changes nothing its lines wrote: the
      // text is the first cluster's, and their parameters are read against the first cluster that
      // fits them, which comes before the newcomer. So changedAt stays.
      cluster = new Cluster(group.templateId, tokens.slice(), 1)
      cluster.group = group
      group.clusters.push(cluster)
      this.register(group, cluster.tokens)
      this.tree.insert(cluster)
    }
    if (entry !== undefined) entry.cluster = cluster
    else if (this.config.cacheSize > 0) {
      if (this.cacheEntries >= this.config.cacheSize) {
        this.cache.clear()
        this.cacheEntries = 0
        this.cacheClears++
        this.plans.clear()
        this.planCount = 0
      }
      this.cache.set(hash, {tokens, cluster, next: this.cache.get(hash), plan: null})
      this.cacheEntries++
    }
    this.lastChange = change
    return cluster
  }

  /** The template a message would join, without changing any state; null when none fits. */
  match(content: string): MatchResult | null {
    this.planParams = -2
    this.planFor = null
    const masker = this.masker
    masker.scan(content)
    let entry = this.cache.get(masker.hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    const tokens = entry?.tokens ?? masker.materialize()
    const cluster = entry?.cluster.alive ? entry.cluster : this.tree.search(tokens)
    if (!cluster || !covers(cluster.tokens, tokens)) return null
    return {templateId: cluster.templateId, template: (cluster.group as TemplateGroup).template}
  }

  private register(group: TemplateGroup, tokens: readonly string[]): void {
    const key = constantKey(tokens)
    if (key === null || this.byKey.has(key)) return
    this.byKey.set(key, group)
    group.keys.push(key)
  }

  private evicted(cluster: Cluster): void {
    this.evictions++
    const group = this.byId.get(cluster.templateId)
    if (!group) return
    // Plans read parameters against the group's clusters: one leaving changes the group.
    group.changedAt = this.missCount
    const i = group.clusters.indexOf(cluster)
    if (i >= 0) group.clusters.splice(i, 1)
    if (group.clusters.length > 0) return
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
    return this.masker.params(content, cluster.tokens)
  }

  /** Live templates in id order. */
  templates(): TemplateInfo[] {
    const out: TemplateInfo[] = []
    for (const g of this.byId.values()) out.push({id: g.templateId, template: g.template, count: g.count})
    return out.sort((a, b) => idNumber(a.id) - idNumber(b.id))
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
  static fromJSON(state: TemplateState, overrides: TemplateMinerOptions = {}): TemplateMiner {
    const miner = new TemplateMiner({
      drain: {...state.config.drain, ...overrides.drain},
      masking: {...state.config.masking, ...overrides.masking},
      extractParams: overrides.extractParams ?? state.config.extractParams,
      cacheSize: overrides.cacheSize ?? state.config.cacheSize,
    })
    let maxId = 0
    for (const s of state.clusters) {
      const tokens = s.template === '' ? [] : s.template.split(' ')
      let group = miner.byId.get(s.id)
      if (!group) {
        group = new TemplateGroup(s.id)
        miner.byId.set(s.id, group)
      }
      const c = new Cluster(s.id, tokens, s.count)
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
