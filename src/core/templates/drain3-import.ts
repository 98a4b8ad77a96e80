/**
 * A Drain3 snapshot (the uncompressed jsonpickle JSON its FilePersistence writes) as a Flare
 * template state, so a team moving from Drain3 keeps its templates and their ids.
 *
 * What maps: each LogCluster (cluster_id → template id `T<id>`, template tokens, size → count,
 * Drain3's masks such as `<IP>` or `<:NUM:>` → `<*>`), the id counter, depth, max_children,
 * max_clusters and extra_delimiters. What does not: sim_th (Flare's similarity is taken over
 * masked tokens; its own threshold stays unless the config file sets one), the masking
 * instructions (they live in drain3.ini, not in the snapshot: give them as config-file rules),
 * the prefix tree (rebuilt from the templates) and the LRU order (clusters load by id).
 */
import {ExitCode, FlareError} from '../errors.js'
import {configForFormat, mergeOptions, type TemplateMinerOptions} from './config.js'
import {WILDCARD} from './masking/index.js'
import {TEMPLATE_STATE_VERSION, type TemplateState} from './state.js'

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

export function isDrain3Snapshot(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['py/object'] === 'string' && ((value as Record<string, string>)['py/object']).startsWith('drain3.')
}

/** The attribute dict of a pickled object: `py/state` is the dict, or (slots) a tuple holding it. */
function stateOf(object: {[key: string]: Json}): {[key: string]: Json} | undefined {
  const state = object['py/state']
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return undefined
  const tuple = state['py/tuple']
  if (Array.isArray(tuple)) {
    for (let i = tuple.length - 1; i >= 0; i--) {
      const t = tuple[i]
      if (t !== null && typeof t === 'object' && !Array.isArray(t)) return t
    }
    return undefined
  }
  return state
}

function listOf(value: Json | undefined): Json[] | undefined {
  if (Array.isArray(value)) return value
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value['py/tuple'])) return value['py/tuple']
  return undefined
}

/** Every LogCluster anywhere in the snapshot (a dict id_to_cluster, or LogClusterCache's data). */
function collectClusters(value: Json, out: Array<{[key: string]: Json}>): void {
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (const v of value) collectClusters(v, out)
    return
  }
  if (value['py/object'] === 'drain3.drain.LogCluster') {
    const state = stateOf(value)
    if (state) out.push(state)
    return
  }
  for (const v of Object.values(value)) collectClusters(v, out)
}

/** Drain3's masks (`<IP>`, `<:NUM:>`) and its param_str become Flare's wildcard. */
const DRAIN3_MASK = /<:?[A-Za-z][A-Za-z0-9_]*:?>/g

function flareToken(token: string, paramStr: string): string {
  if (token === paramStr) return WILDCARD
  const t = paramStr !== WILDCARD && paramStr !== '' ? token.split(paramStr).join(WILDCARD) : token
  return t.replace(DRAIN3_MASK, WILDCARD)
}

function fail(path: string, why: string): never {
  throw new FlareError(`${path} is a Drain3 snapshot Flare cannot read: ${why}`, {
    exitCode: ExitCode.badInput,
    hint: 'Flare reads the uncompressed JSON snapshot of Drain3 FilePersistence (snapshot_compress_state = False)',
  })
}

/**
 * The state of a Drain3 snapshot. `parser` (a config file's settings) wins over what the snapshot
 * carries; the format's defaults fill the rest.
 */
export function drain3State(snapshot: unknown, path: string, format?: string, parser: TemplateMinerOptions = {}): TemplateState {
  if (!isDrain3Snapshot(snapshot)) fail(path, 'no drain3 object at its root')
  const root = snapshot as {[key: string]: Json}
  if (root['py/object'] !== 'drain3.drain.Drain') fail(path, `its root is ${String(root['py/object'])}, not drain3.drain.Drain`)
  const drain = stateOf(root)
  if (!drain) fail(path, 'its Drain object has no state')
  const paramStr = typeof drain.param_str === 'string' ? drain.param_str : WILDCARD
  const found: Array<{[key: string]: Json}> = []
  collectClusters(drain.id_to_cluster ?? null, found)
  const clusters: TemplateState['clusters'] = []
  const seen = new Set<number>()
  for (const c of found) {
    const id = c.cluster_id
    const tokens = listOf(c.log_template_tokens)
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) fail(path, `a cluster has the id ${JSON.stringify(id)}`)
    if (!tokens || tokens.some((t) => typeof t !== 'string')) fail(path, `cluster ${id} has no list of template tokens`)
    if (seen.has(id)) continue
    seen.add(id)
    const size = typeof c.size === 'number' && c.size >= 0 ? Math.floor(c.size) : 0
    clusters.push({id: `T${id}`, template: (tokens as string[]).map((t) => flareToken(t, paramStr)).join(' '), count: size})
  }
  clusters.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
  const fromSnapshot: TemplateMinerOptions = {drain: {}}
  if (typeof drain.log_cluster_depth === 'number' && drain.log_cluster_depth >= 3) fromSnapshot.drain!.depth = drain.log_cluster_depth
  if (typeof drain.max_children === 'number' && drain.max_children >= 1) fromSnapshot.drain!.maxChildren = drain.max_children
  if (typeof drain.max_clusters === 'number' && drain.max_clusters >= 1) fromSnapshot.drain!.maxClusters = drain.max_clusters
  if (typeof drain.parametrize_numeric_tokens === 'boolean') fromSnapshot.drain!.parametrizeNumericTokens = drain.parametrize_numeric_tokens
  const delimiters = listOf(drain.extra_delimiters)
  if (delimiters && delimiters.length > 0) fromSnapshot.extraDelimiters = delimiters.filter((d): d is string => typeof d === 'string')
  const counter = typeof drain.clusters_counter === 'number' ? drain.clusters_counter : 0
  const maxId = clusters.reduce((m, c) => Math.max(m, Number(c.id.slice(1))), 0)
  return {
    version: TEMPLATE_STATE_VERSION,
    config: configForFormat(format, mergeOptions(fromSnapshot, parser)),
    nextId: Math.max(counter, maxId) + 1,
    clusters,
  }
}
