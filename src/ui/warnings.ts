import type {IngestWarning} from '../core/ingest/index.js'
import {visible} from './format.js'
import {err} from './style.js'

/** Ingest warnings go to stderr, dim and prefixed, never mixed into machine output on stdout. */
export function printWarning(warning: IngestWarning): void {
  process.stderr.write(`${err.yellow('warning:')} ${visible(warning.message)}\n${warning.hint ? `→ ${visible(warning.hint)}\n` : ''}`)
}
