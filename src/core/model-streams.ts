import {WindowRate} from './detect/window-rate.js'
import type {ModelBundle} from './model-bundle.js'
import type {StreamField} from './sessions/streams.js'

/**
 * The streams a model's windows must all show, empty windows included, when a log is scored with
 * it (batch: SessionStore's expectedStreams; live: OpenSessions.expect): a window-rate model's
 * hosts, so one that logs nothing in the whole log is still judged silent (window-silence.ts).
 * Only when the log is split as the model's was (its stream names are then the model's).
 */
export function expectedStreams(model: ModelBundle, by: StreamField[] | 'auto' | undefined): string[] | undefined {
  const detector = model.detector
  if (!(detector instanceof WindowRate) || !detector.scoresWindowsAlone) return undefined
  const fitBy = model.manifest.window_by
  if (by === undefined || by === 'auto' || fitBy === undefined || fitBy.length === 0 || fitBy.join('\u0000') !== by.join('\u0000')) return undefined
  return detector.expectedStreams
}
