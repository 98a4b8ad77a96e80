import type {LogRecord} from '../record.js'
import type {LogFormat} from './format.js'
import {structuredRecord, type Json} from './fields.js'

/** Keys of which at least one must be present for a line to count as a logfmt event. */
const KNOWN = new Set(['msg', 'message', 'level', 'lvl', 'severity', 'time', 'ts', 'timestamp', 't', 'caller', 'logger', 'component'])

// One-entry cache: the assembler calls matches() then parse() on the same line.
let lastLine = ''
let lastObject: Json | null = null

/**
 * `key=value key="quoted \"value\"" ...` into an object, or null unless the whole line is pairs
 * (at least two, one with a well-known key). Values stay strings.
 */
function parsePairs(line: string): Json | null {
  if (line === lastLine) return lastObject
  lastLine = line
  lastObject = null
  const obj: Json = {}
  const n = line.length
  let i = 0
  let pairs = 0
  let known = false
  for (;;) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++
    if (i >= n) break
    const keyStart = i
    while (i < n) {
      const c = line.charCodeAt(i)
      if (c === 61 || c === 32 || c === 9 || c === 34) break
      i++
    }
    if (i === keyStart || line.charCodeAt(i) !== 61) return null
    const key = line.slice(keyStart, i)
    i++
    let value: string
    if (line.charCodeAt(i) === 34) {
      let out = ''
      let j = i + 1
      let from = j
      for (;;) {
        if (j >= n) return null
        const c = line.charCodeAt(j)
        if (c === 92) {
          out += line.slice(from, j)
          const e = line[j + 1]
          out += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '')
          j += 2
          from = j
        } else if (c === 34) break
        else j++
      }
      value = out + line.slice(from, j)
      i = j + 1
    } else {
      const start = i
      while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++
      value = line.slice(start, i)
    }
    obj[key] = value
    pairs++
    if (KNOWN.has(key)) known = true
  }
  if (pairs >= 2 && known) lastObject = obj
  return lastObject
}

/**
 * logfmt (Go's logrus text formatter, go-kit, Heroku): `time="2024-01-02T15:04:05Z" level=info
 * msg="server started" port=8080`. Fields are read as for JSON Lines.
 */
export const logfmtFormat: LogFormat = {
  name: 'logfmt',
  description: 'logfmt key=value pairs: time=... level=info msg="..." (logrus, go-kit, Heroku)',
  specificity: 3,
  parseChecksMatch: true,
  matches(line) {
    return parsePairs(line) !== null
  },
  parse(line, lineId): LogRecord | null {
    const obj = parsePairs(line)
    return obj ? structuredRecord(obj, lineId, 'logfmt') : null
  },
}
