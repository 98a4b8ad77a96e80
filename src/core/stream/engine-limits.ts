import type {ModelBundle} from '../model-bundle.js'

/** The engine's limits when not given (--idle, --max-session, --lateness, --max-open, --incident-gap). */
export const ENGINE_DEFAULTS = {idleMs: 30 * 60_000, maxSessionMs: 24 * 3_600_000, latenessMs: 30_000, maxOpen: 200_000, incidentGapMs: 10 * 60_000}

/**
 * The --idle default: a little more than the longest quiet gap inside a training session (the
 * model's session_gap_ms), so the live stream cuts sessions where training did; at least 30m, at
 * most --max-session. HDFS blocks go quiet for up to ~13 h between writing a block and verifying
 * it: a fixed 30m split 8140 of HDFS_2percent's 11501 blocks.
 */
export function defaultIdleMs(model: ModelBundle, maxSessionMs: number): number {
  const gap = model.manifest.session_gap_ms
  if (gap === undefined || model.manifest.session_key === 'window') return Math.min(ENGINE_DEFAULTS.idleMs, maxSessionMs)
  const idle = Math.ceil((gap * IDLE_MARGIN) / 60_000) * 60_000
  return Math.min(maxSessionMs, Math.max(ENGINE_DEFAULTS.idleMs, idle))
}

/** How far past the longest training gap a session may stay quiet before it closes. */
const IDLE_MARGIN = 1.25
