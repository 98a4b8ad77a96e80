import type {SessionKind} from './record.js'

/** Session identifiers found in one line, all of one kind. */
export interface SessionKeys {
  keys: string[]
  kind: SessionKind
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102)
}

function isWord(c: number): boolean {
  return isHex(c) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 95
}

/** The digits of a block id, matched natively: a sticky test allocates nothing. */
const BLOCK_DIGITS = /-?\d+/y

/**
 * HDFS block ids (`blk_123`, `blk_-123`), distinct, in order of appearance; null when none.
 * A line naming several blocks belongs to each of their sessions.
 */
export function blockIds(text: string): string[] | null {
  let i = text.indexOf('blk_')
  if (i < 0) return null
  let out: string[] | null = null
  while (i >= 0) {
    let next = i + 4
    BLOCK_DIGITS.lastIndex = next
    if (BLOCK_DIGITS.test(text)) {
      next = BLOCK_DIGITS.lastIndex
      const id = text.slice(i, next)
      if (out === null) out = [id]
      else if (!out.includes(id)) out.push(id)
    }
    i = text.indexOf('blk_', next)
  }
  return out
}

/** True when text[i, i+36) is a UUID (8-4-4-4-12 hex digits) not glued to other word characters. */
function uuidAt(text: string, i: number): boolean {
  if (i < 0 || i + 36 > text.length) return false
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k)
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return false
    } else if (!isHex(c)) return false
  }
  return !(i > 0 && isWord(text.charCodeAt(i - 1))) && !(i + 36 < text.length && isWord(text.charCodeAt(i + 36)))
}

/** Key names that carry request, trace or session ids, lower-cased, without separators. */
const ID_KEYS = new Map<string, number>([
  // lower rank wins when several appear in one line: a trace id groups better than a span id.
  ['traceid', 0],
  ['xrequestid', 1],
  ['requestid', 1],
  ['reqid', 1],
  ['req', 1],
  ['correlationid', 1],
  ['sessionid', 2],
  ['spanid', 3],
])

/** Substrings one of which every id key contains; most lines have none and are skipped at once. */
const PROBES = ['req', 'Req', 'REQ', 'race', 'RACE', 'ession', 'ESSION', 'pan', 'PAN', 'orrelation']
/** Any of PROBES (letters only), in one pass over the text: three times as fast as a search for each. */
const PROBE = new RegExp(PROBES.join('|'))

function isKeyChar(c: number): boolean {
  return isWord(c) || c === 45 || c === 46
}

/** Rank of the key text[start, end) in ID_KEYS, ignoring case and - _ . separators. */
function keyRank(text: string, start: number, end: number): number | undefined {
  let name = ''
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 45 || c === 95 || c === 46) continue
    name += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c)
  }
  return ID_KEYS.get(name)
}

/**
 * `key=value`, `key: value`, `"key":"value"` pairs whose key names a request / trace / session /
 * span id (request_id, requestId, X-Request-ID, trace_id, traceId, req, ...). Returns the values
 * of the best-ranked key present. Only the word before each `=` or `:` is examined.
 */
function keyedIds(text: string): string[] | null {
  if (!PROBE.test(text)) return null
  let best = 99
  let out: string[] | null = null
  const n = text.length
  let eq = text.indexOf('=')
  let colon = text.indexOf(':')
  while (eq >= 0 || colon >= 0) {
    let sep: number
    if (colon < 0 || (eq >= 0 && eq < colon)) {
      sep = eq
      eq = text.indexOf('=', eq + 1)
    } else {
      sep = colon
      colon = text.indexOf(':', colon + 1)
    }
    let keyEnd = sep
    const q = text.charCodeAt(keyEnd - 1)
    if (q === 34 || q === 39) keyEnd-- // closing quote of a JSON key
    let keyStart = keyEnd
    while (keyStart > 0 && keyEnd - keyStart <= 16 && isKeyChar(text.charCodeAt(keyStart - 1))) keyStart--
    const len = keyEnd - keyStart
    if (len < 3 || len > 16) continue
    // every id key ends in "id" or "req": skip the rest without building the name
    const last = text.charCodeAt(keyEnd - 1) | 32
    if (last !== 100 && last !== 113) continue
    const rank = keyRank(text, keyStart, keyEnd)
    if (rank === undefined || rank > best) continue
    let j = sep + 1
    while (j < n && text.charCodeAt(j) === 32) j++
    if (text.charCodeAt(j) === 34 || text.charCodeAt(j) === 39) j++
    let k = j
    while (k < n) {
      const d = text.charCodeAt(k)
      if (!(isWord(d) || d === 45 || d === 46 || d === 58 || d === 47 || d === 43)) break
      k++
    }
    // `req-<uuid>` style values keep their prefix; very short values are not ids.
    if (k - j < 4) continue
    let value = text.slice(j, k)
    while (value.endsWith('.') || value.endsWith(':')) value = value.slice(0, -1)
    if (rank < best) {
      best = rank
      out = [value]
    } else if (out && !out.includes(value)) out.push(value)
    // the value may contain ':' or '=' (urls, base64): skip separators inside it
    while (eq >= 0 && eq < k) eq = text.indexOf('=', eq + 1)
    while (colon >= 0 && colon < k) colon = text.indexOf(':', colon + 1)
  }
  return out
}

/**
 * Request-like ids: keyed ids (trace_id=..., X-Request-ID: ...), OpenStack `req-<uuid>`, and bare
 * UUIDs (instance ids and the like). The record belongs to each distinct id, like HDFS blocks.
 */
export function requestIds(text: string): string[] | null {
  let out = keyedIds(text)
  let dash = text.indexOf('-')
  while (dash >= 0) {
    // a UUID's first dash is at offset 8
    const start = dash - 8
    if (uuidAt(text, start)) {
      let id = text.slice(start, start + 36).toLowerCase()
      if (start >= 4 && text.startsWith('req-', start - 4)) id = 'req-' + id
      if (out === null) out = [id]
      else if (!out.includes(id) && !out.includes(id.startsWith('req-') ? id.slice(4) : 'req-' + id)) out.push(id)
      dash = text.indexOf('-', start + 36)
    } else dash = text.indexOf('-', dash + 1)
  }
  return out
}

/**
 * Session keys of one line: block ids when any (kind 'block'), else request ids ('request'), else
 * null. Formats add pid keys themselves (OpenSSH).
 */
export function findSessionKeys(text: string): SessionKeys | null {
  const blocks = blockIds(text)
  if (blocks) return {keys: blocks, kind: 'block'}
  const requests = requestIds(text)
  if (requests) return {keys: requests, kind: 'request'}
  return null
}
