/**
 * The miner's saved state: plain JSON (no code, no class instances), validated on load. The
 * caller reads and writes the file; this module only shapes the object.
 */
import type {TemplateMinerConfig} from './config.js'

export const TEMPLATE_STATE_VERSION = 1

/**
 * The state's shape. Validation (zod) lives in state-schema.ts, whose schema must produce exactly
 * this, and is loaded only by callers that read a state file, so `flare parse` and its worker
 * threads start without it.
 */
export interface TemplateState {
  version: typeof TEMPLATE_STATE_VERSION
  config: TemplateMinerConfig
  /** Next numeric id to hand out; ids are never reused, even after eviction. */
  nextId: number
  /** Clusters from least to most recently used (a template id once per cluster of its group). */
  clusters: Array<{id: string; template: string; count: number}>
}
