import type {LogRecord} from '../record.js'
import {isDigit, type LogFormat, type WrappedLine} from './format.js'
import {findSessionKeys} from '../session-keys.js'
import {lineInside} from './fields.js'
import {scanTimestamp, type TimestampMatch} from './timestamp.js'

const stamp: TimestampMatch = {end: 0, ms: 0}
// One-entry cache: the assembler calls matches() then parse() on the same line.
let lastLine = ''
let lastMessage = -1

/**
 * Where the message of a CRI line starts (`2026-12-04T16:10:37.123456789Z stdout F message`), or
 * -1: an RFC 3339 time with its zone, the stream, and F (a full line) or P (part of one).
 */
function messageStart(line: string): number {
  if (line === lastLine) return lastMessage
  lastLine = line
  lastMessage = -1
  if (!isDigit(line.charCodeAt(0)) || line.charCodeAt(10) !== 84 /* T */ || !scanTimestamp(line, 0, stamp) || Number.isNaN(stamp.ms)) return -1
  let i = stamp.end
  if (line.charCodeAt(i) !== 32) return -1
  i++
  if (line.startsWith('stdout ', i)) i += 7
  else if (line.startsWith('stderr ', i)) i += 7
  else return -1
  const tag = line.charCodeAt(i)
  if ((tag !== 70 /* F */ && tag !== 80) /* P */ || (line.length > i + 1 && line.charCodeAt(i + 1) !== 32)) return -1
  lastMessage = Math.min(line.length, i + 2)
  return lastMessage
}

/**
 * Container logs as the kubelet keeps them (CRI: containerd, CRI-O; the files under
 * /var/log/containers and /var/log/pods): the runtime's time, the stream and a tag before what the
 * program wrote, which is read as what it is (lineInside: JSON by its fields, an access line, a
 * plain-text line by its level, component and own time; the runtime's time kept). Each physical
 * line parses alone here; the assembler joins the parts of a line the runtime split (tag P, over
 * 16 KiB) and a stack trace written a line at a time, by `wrapping` (wrapped-lines.ts).
 */
export const criFormat: LogFormat = {
  name: 'cri',
  description: 'Kubernetes container logs (CRI: "2026-12-04T16:10:37.1Z stdout F message"), the message read as a plain-text line',
  specificity: 3,
  parseChecksMatch: true,
  matches(line) {
    return messageStart(line) >= 0
  },
  parse(line, lineId): LogRecord | null {
    const at = messageStart(line)
    if (at < 0) return null
    const time = stamp.ms
    const raw = line.slice(0, stamp.end)
    const text = line.slice(at)
    const inner = lineInside(text, lineId, 'cri') ?? {lineId, lineCount: 1, content: text.trim(), sessionKeys: [], format: 'cri'}
    if (inner.sessionKeys.length === 0) {
      const keys = findSessionKeys(text)
      if (keys) Object.assign(inner, {sessionKeys: keys.keys, sessionKind: keys.kind})
    }
    return {...inner, timestamp: time, rawTimestamp: raw}
  },
  wrapping: {
    unwrap(line): WrappedLine | undefined {
      const at = messageStart(line)
      if (at < 0) return undefined
      // stamp.end is the space before the stream; the tag follows `stdout ` / `stderr `
      const stream = line.charCodeAt(stamp.end + 4) === 111 /* o */ ? 'stdout' : 'stderr'
      return {stream, text: line.slice(at), partial: line.charCodeAt(stamp.end + 8) === 80 /* P */}
    },
    rewrap(line, text) {
      if (messageStart(line) < 0) return line
      return `${line.slice(0, stamp.end + 8)}F ${text}`
    },
  },
}
