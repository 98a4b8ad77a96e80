import type {IngestWarning} from '../core/ingest/index.js'
import {err} from './style.js'

/** Ingest warnings go to stderr, dim and prefixed, never mixed into machine output on stdout. */
export function printWarning(warning: IngestWarning): void {
  process.stderr.write(`${err.yellow('warning:')} ${warning.message}\n`)
}
