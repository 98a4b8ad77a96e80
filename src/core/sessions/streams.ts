import type {LogRecord} from '../ingest/record.js'

/** Record fields windows can be split by. */
export type StreamField = 'host' | 'component'

export const STREAM_FIELDS: readonly StreamField[] = ['host', 'component']

/** The stream a record belongs to: its field values joined by '/', `-` for a missing one. */
export function streamOf(record: Pick<LogRecord, 'host' | 'component'>, by: readonly StreamField[]): string {
  if (by.length === 1) return (by[0] === 'host' ? record.host : record.component) ?? '-'
  return by.map((f) => (f === 'host' ? record.host : record.component) ?? '-').join('/')
}

/** `host,component` → the fields; `auto` as is; anything else is rejected by the caller. */
export function parseStreamFields(text: string): StreamField[] | 'auto' | undefined {
  const t = text.trim().toLowerCase()
  if (t === 'auto') return 'auto'
  if (t === 'none' || t === '') return []
  const fields = t.split(',').map((f) => f.trim()).filter(Boolean)
  if (!fields.every((f) => (STREAM_FIELDS as readonly string[]).includes(f))) return undefined
  return [...new Set(fields)] as StreamField[]
}

/**
 * The model's streams a log must show (empty windows included), when the log names at least half
 * of them: a log filtered to one host of a fleet model says nothing of the others' silence.
 */
export function expectedIn(expected: readonly string[] | undefined, named: ReadonlySet<string>): readonly string[] {
  if (!expected || expected.length === 0) return []
  let seen = 0
  for (const s of expected) if (named.has(s)) seen++
  return 2 * seen >= expected.length ? expected : []
}
