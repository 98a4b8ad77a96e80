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
  // Docker's json-file: {"log":"what the program wrote\n","stream":"stderr","time":"..."}; a
  // `log` without its "\n" is a part of a long line (Docker splits at 16 KiB) the next record of
  // the stream continues.
  wrapping: {
    unwrap(line): WrappedLine | undefined {
      const obj = parseObject(line)
      if (obj === null || typeof obj.log !== 'string' || typeof obj.stream !== 'string') return undefined
      const log = obj.log
      const partial = !log.endsWith('\n')
      return {stream: obj.stream, text: partial ? log : log.slice(0, log.endsWith('\r\n') ? -2 : -1), partial}
    },
    rewrap(line, text) {
      const obj = parseObject(line)
      return obj === null ? line : JSON.stringify({...obj, log: `${text}\n`})
    },
  },
}
