/**
 * The miner's saved state: plain JSON (no code, no class instances), validated on load. The
 * caller reads and writes the file; this module only shapes and checks the object.
 */
import type {z} from 'zod'
import type {templateStateSchema} from './state-schema.js'

export const TEMPLATE_STATE_VERSION = 1

/**
 * The state's shape. Validation (zod) lives in state-schema.ts and is loaded only by callers that
 * read a state file, so `flare parse` and its worker threads start without it.
 */
export type TemplateState = z.infer<typeof templateStateSchema>
