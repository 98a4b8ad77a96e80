/**
 * The miner of the fast path: TemplateMiner plus what speed needs, kept out of the shared miner.
 *
 * - A byte API: addBytes() / lookupBytes() mine a line straight out of the read buffer, and
 *   lastParamRanges() gives its parameters as byte ranges (no string per line or field).
 * - The plan cache: shape plans (shape-plan.ts) by the key of a line's first token (see
 *   PlanMasker.shapeKey). A line that fits a valid plan of its bucket maps to the plan's cluster
 *   without being masked, hashed and looked up; PlanMasker.fitPlan leaves its parameters ready.
 * - Replication: the miss log a worker thread's read-only replica replays to stay in step with
 *   this miner, and what the pool needs to tell whether a replica's rows are still current.
 */
import {Cluster} from '../templates/index.js'
import {TemplateMiner, type AddResult, type CacheEntry, type MatchResult, type TemplateGroup} from '../templates/miner.js'
import type {MaskingConfig} from '../templates/masking/index.js'
import {WILDCARD} from '../templates/masking/classify.js'
import {PLAN_MASKABLE, PlanMasker} from './plan-masker.js'
import {P_LIT_PARAM, ShapePlan} from './shape-plan.js'

/** Plans at most (they are made for shapes seen twice; HDFS has a few dozen). */
const MAX_PLANS = 4096
/** Plans per bucket at most: a line tries each of its bucket's plans before it is masked. */
const MAX_BUCKET = 16

/** A cluster of a FastMiner, with the per-cluster scratch the fast path keeps. */
export class FastCluster extends Cluster {
  /** Lines of the current region mapped here (a worker counts them; see fast-path.ts). */
  tally = 0
  /** Its position in the current region's list of clusters met (line events, fast-events.ts). */
  ordinal = 0
  /** The template's CSV pieces (fast-path.ts), while the template text stays the same. */
  rowCache: unknown = null
}

export class FastMiner extends TemplateMiner {
  protected declare readonly masker: PlanMasker
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

  protected override createMasker(config: Readonly<MaskingConfig>): PlanMasker {
    return new PlanMasker(config)
  }

  protected override newCluster(templateId: string, tokens: string[], count: number): FastCluster {
    return new FastCluster(templateId, tokens, count)
  }

  protected override missed(tokens: readonly string[], hash: number): void {
    if (this.missLog) this.missLog.push({tokens: tokens.slice(), hash})
  }

  protected override cacheCleared(): void {
    this.cacheClears++
    this.plans.clear()
    this.planCount = 0
  }

  protected override evicted(cluster: Cluster): void {
    this.evictions++
    super.evicted(cluster)
  }

  override add(content: string): AddResult {
    this.planParams = -2
    this.planFor = null
    return super.add(content)
  }

  override match(content: string): MatchResult | null {
    this.planParams = -2
    this.planFor = null
    return super.match(content)
  }

  /**
   * Mines the UTF-8 message buf[from, to) as add() does a string, without making strings for it.
   * Returns the cluster; its templateId is the line's template id, templateOf() its text, and
   * lastParamRanges() its parameters. `lastChange` tells whether a template was created or changed.
   */
  addBytes(buf: Buffer, from: number, to: number): FastCluster {
    const planned = this.fromPlan(buf, from, to)
    if (planned !== null) {
      planned.count++
      this.tree.touch(planned)
      this.lastChange = 'none'
      return planned
    }
    this.masker.scanBytes(buf, from, to)
    const cluster = this.assign() as FastCluster
    this.planFor = this.hit
    return cluster
  }

  private scratch = Buffer.allocUnsafe(4096)

  /**
   * Mines `content` as add() does, through the plan cache: the string is encoded into a reused
   * buffer, a line of a planned shape skips masking, and a new shape gets its plan made. No
   * AddResult is built (the live engine mines every line and only needs the cluster):
   * `templateId` is the template id, `lastChange` what changed.
   */
  addString(content: string): FastCluster {
    const max = content.length * 3
    if (max > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(max, this.scratch.length * 2))
    const n = this.scratch.write(content, 0, 'utf8')
    const cluster = this.addBytes(this.scratch, 0, n)
    // Makes the shape's plan when it has none (the params themselves are not read).
    if (this.usePlans && this.planParams === -2) this.lastParamRanges(cluster)
    return cluster
  }

  /** The cluster of the first valid plan of the line's bucket that the line fits, or null. */
  private fromPlan(buf: Buffer, from: number, to: number): FastCluster | null {
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
    const cluster = plan.cluster as FastCluster
    return cluster.alive && (cluster.group as TemplateGroup).changedAt <= plan.epoch
  }

  /** Makes (or renews) the plan of cache entry `entry`, whose line's parameters fit `template`. */
  private makePlan(entry: CacheEntry, template: readonly string[]): void {
    const masker = this.masker
    const renew = entry.plan !== null
    const plan = (entry.plan as ShapePlan | null) ?? new ShapePlan()
    if (!masker.planFrom(template, plan) || plan.n === 0) return
    plan.cluster = entry.cluster as FastCluster
    plan.epoch = this.misses
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
  get missCount(): number {
    return this.misses
  }

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
    this.misses++
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
  lookupBytes(buf: Buffer, from: number, to: number): FastCluster | null {
    const planned = this.fromPlan(buf, from, to)
    if (planned !== null) return planned
    const masker = this.masker
    masker.scanBytes(buf, from, to)
    let entry = this.cache.get(masker.hash)
    while (entry !== undefined && !masker.matches(entry.tokens)) entry = entry.next
    if (entry === undefined || !entry.cluster.alive) return null
    this.planFor = entry
    return entry.cluster as FastCluster
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

  /** The current text of a cluster's template (its group's, see TemplateMiner). */
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
        if (entry !== null && this.usePlans && (entry.plan === null || !this.planValid(entry.plan as ShapePlan))) this.makePlan(entry, c.tokens)
        this.planFor = null
        return n
      }
    }
    return -1
  }

  /** The masker whose last scan lastParamRanges() describes (read its param arrays only). */
  get scanner(): PlanMasker {
    return this.masker
  }
}
