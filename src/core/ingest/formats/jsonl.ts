import type {LogRecord} from '../record.js'
import type {LogFormat, WrappedLine} from './format.js'
import {structuredRecord, type Json} from './fields.js'

// One-entry cache: the assembler calls matches() then parse() on the same line.
let lastLine = ''
let lastObject: Json | null = null

function parseObject(line: string): Json | null {
  if (line === lastLine) return lastObject
  lastLine = line
  lastObject = null
  let i = 0
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++
  if (line.charCodeAt(i) !== 123 /* { */) return null
  let e = line.length
  while (e > i && line.charCodeAt(e - 1) <= 32) e--
  if (line.charCodeAt(e - 1) !== 125 /* } */) return null
  try {
    const v: unknown = JSON.parse(line)
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) lastObject = v as Json
  } catch {
    // not JSON: the caller falls back to another format
  }
  return lastObject
}

/** JSON Lines: one object per line (pino, bunyan, logrus, zap, ECS, Docker json-file); fields as in structuredRecord. */
export const jsonlFormat: LogFormat = {
  name: 'jsonl',
  description: 'JSON Lines: one JSON object per line (msg/message, level, time, logger, trace_id, ...)',
  specificity: 3,
  parseChecksMatch: true,
  matches(line) {
    return parseObject(line) !== null
  },
  parse(line, lineId): LogRecord | null {
    const obj = parseObject(line)
    return obj ? structuredRecord(obj, lineId, 'jsonl') : null
  },
  // Docker's json-file: {"log":"what the program wrote\n","stream":"stderr","time":"..."} and
  // nothing else; a `log` without its "\n" is a part of a long line (Docker splits at 16 KiB) the
  // next record of the stream continues. A shipper's record of a container line (Fluent Bit's CRI
  // parser: `_p` "P" or "F", and kubernetes fields) says whether it is a part by `_p`; without `_p`,
  // a shipper's `log` has no "\n" whole or not (Vector, Fluentd), so its records are lines of their own.
  wrapping: {
    unwrap(line): WrappedLine | undefined {
      const obj = parseObject(line)
      if (obj === null || typeof obj.log !== 'string' || typeof obj.stream !== 'string') return undefined
      const log = obj.log
      const flag = obj._p
      let partial: boolean
      if (flag === 'P' || flag === 'F') partial = flag === 'P'
      else if (isDockerRecord(obj)) partial = !log.endsWith('\n')
      else return undefined
      const end = log.endsWith('\r\n') ? -2 : log.endsWith('\n') ? -1 : log.length
      return {stream: obj.stream, text: log.slice(0, end), partial}
    },
    rewrap(line, text) {
      const obj = parseObject(line)
      return obj === null ? line : JSON.stringify({...obj, log: `${text}\n`})
    },
  },
}

/** The fields Docker's json-file logging driver writes, and nothing else. */
const DOCKER_FIELDS: ReadonlySet<string> = new Set(['log', 'stream', 'time', 'attrs'])

function isDockerRecord(obj: Record<string, unknown>): boolean {
  for (const key in obj) if (!DOCKER_FIELDS.has(key)) return false
  return true
}
