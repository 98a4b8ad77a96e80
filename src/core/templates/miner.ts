/**
 * TemplateMiner wires the masker and the Drain tree: message in, stable template id out. Ids are
 * `T1`, `T2`, ... in order of first sight, never reused (also not after eviction), and survive
 * toJSON()/fromJSON().
 */
import {type TemplateMinerConfig, type TemplateMinerOptions, resolveConfig} from './config.js'
import {Cluster, DrainTree} from './drain.js'
import {Masker, type Param, WILDCARD} from './masking.js'
import {TEMPLATE_STATE_VERSION, type TemplateState, parseTemplateState} from './state.js'

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

export class TemplateMiner {
  readonly config: Readonly<TemplateMinerConfig>
  private readonly masker: Masker
  private readonly tree: DrainTree
  private readonly byId = new Map<string, Cluster>()
  /** Masked line → cluster: lines of an already-seen shape skip the tree search. */
  private readonly cache = new Map<string, Cluster>()
  private nextId = 1
  private readonly buf: string[] = []

  constructor(options: TemplateMinerOptions = {}) {
    this.config = resolveConfig(options)
    this.masker = new Masker(this.config.masking)
    this.tree = new DrainTree(this.config.drain, (c) => this.byId.delete(c.templateId))
  }

  /** Number of live templates (at most drain.maxClusters). */
  get size(): number {
    return this.tree.size
  }

  /** Mines one message: assigns it to a template, creating or generalising one as needed. */
  add(content: string): AddResult {
    const tokens = this.buf
    this.masker.tokenize(content, tokens)
    const key = tokens.join(' ')
    let cluster = this.cache.get(key)
    let change: TemplateChange = 'none'
    if (cluster !== undefined && cluster.alive) {
      cluster.count++
      this.tree.touch(cluster)
    } else {
      cluster = this.tree.search(tokens) ?? undefined
      if (cluster) {
        if (cluster.generalize(tokens)) change = 'updated'
        cluster.count++
        this.tree.touch(cluster)
      } else {
        cluster = new Cluster(this.nextId++, tokens.slice(), 1)
        this.byId.set(cluster.templateId, cluster)
        this.tree.insert(cluster)
        change = 'new'
      }
      if (this.cache.size >= this.config.cacheSize) this.cache.clear()
      if (this.config.cacheSize > 0) this.cache.set(key, cluster)
    }
    const result: AddResult = {templateId: cluster.templateId, template: cluster.template, change}
    if (this.config.extractParams) result.params = this.paramsFor(content, cluster)
    return result
  }

  /** The template a message would join, without changing any state; null when none fits. */
  match(content: string): MatchResult | null {
    const tokens: string[] = []
    this.masker.tokenize(content, tokens)
    const cached = this.cache.get(tokens.join(' '))
    const cluster = cached?.alive ? cached : this.tree.search(tokens)
    if (!cluster || !covers(cluster.tokens, tokens)) return null
    return {templateId: cluster.templateId, template: cluster.template}
  }

  /**
   * The values at the template's `<*>` positions (and inside partly masked tokens such as
   * `size=<*>`), each with its type. Returns null for an unknown id or a message of another length.
   */
  extractParams(content: string, templateId: string): Param[] | null {
    const cluster = this.byId.get(templateId)
    return cluster ? this.paramsFor(content, cluster) : null
  }

  private paramsFor(content: string, cluster: Cluster): Param[] | null {
    const masked: string[] = []
    const raw: string[] = []
    const perToken: (Param[] | null)[] = []
    const n = this.masker.tokenize(content, masked, perToken, raw)
    const t = cluster.tokens
    if (t.length !== n) return null
    const out: Param[] = []
    for (let i = 0; i < n; i++) {
      const found = perToken[i]
      if (t[i] === WILDCARD) {
        if (masked[i] === WILDCARD && found) out.push(found[0])
        else out.push({value: raw[i], type: 'other'})
      } else if (found) {
        for (const p of found) out.push(p)
      }
    }
    return out
  }

  /** Live templates in id order. */
  templates(): TemplateInfo[] {
    const out: TemplateInfo[] = []
    for (const c of this.tree.clusters()) out.push({id: c.templateId, template: c.template, count: c.count})
    return out.sort((a, b) => idNumber(a.id) - idNumber(b.id))
  }

  template(templateId: string): TemplateInfo | undefined {
    const c = this.byId.get(templateId)
    return c ? {id: c.templateId, template: c.template, count: c.count} : undefined
  }

  /** Plain JSON state: config, next id and the clusters from least to most recently used. */
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

  /** Rebuilds a miner from toJSON() output; throws FlareError when the object is not valid state. */
  static fromJSON(input: unknown, overrides: TemplateMinerOptions = {}): TemplateMiner {
    const state = parseTemplateState(input)
    const miner = new TemplateMiner({
      drain: {...state.config.drain, ...overrides.drain},
      masking: {...state.config.masking, ...overrides.masking},
      extractParams: overrides.extractParams ?? state.config.extractParams,
      cacheSize: overrides.cacheSize ?? state.config.cacheSize,
    })
    let maxId = 0
    for (const s of state.clusters) {
      const id = idNumber(s.id)
      if (miner.byId.has(s.id)) continue
      const tokens = s.template === '' ? [] : s.template.split(' ')
      const c = new Cluster(id, tokens, s.count)
      miner.byId.set(c.templateId, c)
      miner.tree.insert(c)
      if (id > maxId) maxId = id
    }
    miner.nextId = Math.max(state.nextId, maxId + 1)
    return miner
  }
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
