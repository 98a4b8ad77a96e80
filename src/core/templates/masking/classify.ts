/**
 * Character-level classification for the masker: which parameter type a piece of a token is
 * (number, ip, hex, uuid, path, block, ...), decided by scanning its characters rather than by
 * running regexes, plus the small tables the token scan uses.
 */
import type {MaskingConfig, ParamType} from './config.js'

/** UTF-8 bytes of a message: the masker works on bytes, so no string is made for a token it masks. */
export type Bytes = Uint8Array

/** The wildcard token of templates. */
export const WILDCARD = '<*>'

// Character classes, indexed by char code (< 128).
export const C_DIGIT = 1
export const C_HEXLETTER = 2
export const C_LETTER = 4
export const C_SPACE = 8
export const charClass = new Uint8Array(128)
for (let c = 48; c <= 57; c++) charClass[c] = C_DIGIT
for (let c = 65; c <= 90; c++) charClass[c] = C_LETTER
for (let c = 97; c <= 122; c++) charClass[c] = C_LETTER
for (const ch of 'abcdefABCDEF') charClass[ch.charCodeAt(0)] = C_LETTER | C_HEXLETTER
charClass[32] = C_SPACE
charClass[9] = C_SPACE
charClass[10] = C_SPACE
charClass[13] = C_SPACE
charClass[11] = C_SPACE
charClass[12] = C_SPACE

export const DOT = 46
export const COLON = 58
export const DASH = 45
export const PLUS = 43
export const SLASH = 47
export const AT = 64

/** First index of byte c in s[from, to), or -1 (a typed array's indexOf would search past `to`). */
export function indexOfByte(s: Bytes, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s[i] === c) return i
  return -1
}

/** True when s[a, b) is what classifyBytes takes for a URL: a `://` after its first byte, with more after it. */
export function hasScheme(s: Bytes, a: number, b: number): boolean {
  const p = indexOfScheme(s, a, b)
  return p > a && p + 3 < b
}

/** Index of `://` in s[from, to), or -1. */
function indexOfScheme(s: Bytes, from: number, to: number): number {
  for (let i = from; i + 2 < to; i++) if (s[i] === COLON && s[i + 1] === SLASH && s[i + 2] === SLASH) return i
  return -1
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

export function isHex(c: number): boolean {
  return c < 128 && (charClass[c] & (C_DIGIT | C_HEXLETTER)) !== 0
}

/** Dotted quad with every part 0..255, optionally followed by :port. */
export function isIp(s: Bytes, a: number, b: number): boolean {
  let parts = 0
  let i = a
  while (i < b) {
    let v = 0
    let n = 0
    while (i < b && isDigit(s[i])) {
      v = v * 10 + s[i] - 48
      n++
      i++
    }
    if (n === 0 || n > 3 || v > 255) return false
    parts++
    if (parts === 4) break
    if (i >= b || s[i] !== DOT) return false
    i++
  }
  if (parts !== 4) return false
  if (i === b) return true
  if (s[i] !== COLON || i + 1 >= b) return false
  for (i++; i < b; i++) if (!isDigit(s[i])) return false
  return true
}

/** name.name[.name...]:port, names of letters, digits and '-'. */
export function isHostPort(s: Bytes, a: number, b: number): boolean {
  const p = indexOfByte(s, COLON, a, b)
  if (p <= a || p >= b - 1) return false
  for (let i = p + 1; i < b; i++) if (!isDigit(s[i])) return false
  let dots = 0
  let prev = DOT
  for (let i = a; i < p; i++) {
    const c = s[i]
    if (c === DOT) {
      if (prev === DOT) return false
      dots++
    } else if (!(c === DASH || (c < 128 && charClass[c] & (C_LETTER | C_DIGIT)))) return false
    prev = c
  }
  return dots >= 1 && prev !== DOT
}

/** blk_123 / blk_-123 (HDFS block ids). */
export function isBlockId(s: Bytes, a: number, b: number): boolean {
  if (b - a < 5 || s[a] !== 98 || s[a + 1] !== 108 || s[a + 2] !== 107 || s[a + 3] !== 95) return false
  let i = a + 4
  if (s[i] === DASH) i++
  if (i >= b) return false
  for (; i < b; i++) if (!isDigit(s[i])) return false
  return true
}

export function isUuid(s: Bytes, a: number, b: number): boolean {
  if (b - a !== 36) return false
  for (let i = 0; i < 36; i++) {
    const c = s[a + i]
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== DASH) return false
    } else if (!isHex(c)) return false
  }
  return true
}

/** [+-]digits[.digits][eE[+-]digits], optionally followed by a short unit (ms, KB, s, %). */
export function isNumber(s: Bytes, a: number, b: number): boolean {
  let i = a
  let c = s[i]
  if (c === DASH || c === PLUS) i++
  const start = i
  while (i < b && isDigit(s[i])) i++
  if (i === start) return false
  if (i < b && s[i] === DOT) {
    const f = ++i
    while (i < b && isDigit(s[i])) i++
    if (i === f) return false
  }
  if (i === b) return true
  // Unit suffix: up to 3 letters or '%'.
  const u = i
  while (i < b) {
    c = s[i]
    if (!(c < 128 && charClass[c] & C_LETTER) && c !== 37) return false
    i++
  }
  return i - u <= 3
}

/** hh:mm[:ss[.fff]], yyyy-mm-dd, yyyy/mm/dd and yyyy-mm-ddThh:mm:ss[.fff][Z|+hh:mm]. */
export function isTime(s: Bytes, a: number, b: number): boolean {
  let groups = 0
  let seps = 0
  let i = a
  let sawT = false
  while (i < b) {
    const c = s[i]
    if (isDigit(c)) {
      const g = i
      while (i < b && isDigit(s[i])) i++
      if (i - g > 4 && !(seps > 0 && i - g <= 9)) return false
      groups++
      continue
    }
    if (c === COLON || c === DASH || c === SLASH || c === DOT || c === PLUS) {
      if (i === a) return false
      seps++
    } else if (c === 84 ? !sawT : c === 90 && (!sawT || i === b - 1)) {
      // One T (between date and clock); a Z before it, or last (UTC: 2026-04-03T00:00:00Z).
      if (c === 84) sawT = true
    } else return false
    i++
  }
  return groups >= 2 && seps >= 1 && hasTimeShape(s, a, b)
}

/** Month and weekday names as logs abbreviate them (the masker's; ingest's timestamp reader keeps its own, as templates import nothing from ingest). */
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

/** Three-letter month names, lower case, each as its three bytes in one number. */
const MONTHS = new Set(MONTH_NAMES.map((m) => m.toLowerCase()).map((w) => (w.charCodeAt(0) << 16) | (w.charCodeAt(1) << 8) | w.charCodeAt(2)))

/**
 * dd/Mon/yyyy or dd-Mon-yyyy, with a clock after a ':' or not: the date of Apache, nginx and
 * HAProxy access logs (10/Oct/2000:13:55:36). Its month name would otherwise stay literal, and
 * every day would make new templates.
 */
export function isNamedMonthDate(s: Bytes, a: number, b: number): boolean {
  let i = a
  while (i < b && i - a < 2 && isDigit(s[i])) i++
  if (i === a || i + 9 > b) return false
  const sep = s[i]
  if (sep !== SLASH && sep !== DASH) return false
  if (!MONTHS.has(((s[i + 1] | 32) << 16) | ((s[i + 2] | 32) << 8) | (s[i + 3] | 32)) || s[i + 4] !== sep) return false
  i += 5
  for (const end = i + 4; i < end; i++) if (!isDigit(s[i])) return false
  return i === b || (s[i] === COLON && isTime(s, i + 1, b))
}

export function hasTimeShape(s: Bytes, a: number, b: number): boolean {
  // Require a ':' (clock) or two '-' / '/' (calendar date) to tell times from version numbers.
  let colons = 0
  let dashes = 0
  let slashes = 0
  for (let i = a; i < b; i++) {
    const c = s[i]
    if (c === COLON) colons++
    else if (c === DASH) dashes++
    else if (c === SLASH) slashes++
  }
  return colons >= 1 || dashes === 2 || slashes === 2
}

/**
 * Classifies s[a, b]. Returns the parameter type, or null when the segment is literal text.
 */
export function classifyBytes(s: Bytes, a: number, b: number, cfg: MaskingConfig, other = cfg.digitSegments): ParamType | null {
  const n = b - a
  if (n <= 0) return null
  const c0 = s[a]
  if (c0 === SLASH && cfg.path) {
    // A token opening with '/' is a URL (a scheme after its start), an /ip[:port] or a path; the
    // character counts below would not change that (most tokens masked whole in HDFS are paths).
    if (cfg.url) {
      const p = indexOfScheme(s, a, b)
      if (p > a && p + 3 < b) return 'url'
    }
    return cfg.ip && isIp(s, a + 1, b) ? 'ip' : 'path'
  }
  let digits = 0
  let letters = 0
  let hexLetters = 0
  let colons = 0
  let slashes = 0
  let ats = 0
  for (let i = a; i < b; i++) {
    const c = s[i]
    if (c < 128) {
      const k = charClass[c]
      if (k & C_DIGIT) digits++
      else if (k & C_LETTER) {
        letters++
        if (k & C_HEXLETTER) hexLetters++
      } else if (c === COLON) colons++
      else if (c === SLASH) slashes++
      else if (c === AT) ats++
    } else letters++
  }
  if (cfg.block && c0 === 98 && isBlockId(s, a, b)) return 'block'
  if (cfg.url && colons > 0 && slashes >= 2) {
    const p = indexOfScheme(s, a, b)
    if (p > a && p + 3 < b) return 'url'
  }
  if (cfg.path && slashes > 0 && (c0 === SLASH || (c0 === 126 && s[a + 1] === SLASH)) && n > 1) {
    if (cfg.ip && c0 === SLASH && isIp(s, a + 1, b)) return 'ip'
    return 'path'
  }
  if (cfg.email && ats === 1 && letters > 0 && c0 !== AT) {
    const p = indexOfByte(s, AT, a, b)
    const d = indexOfByte(s, DOT, p, b)
    if (p < b - 1 && d > p + 1 && d < b - 1) return 'email'
  }
  if (digits === 0) return null
  // @0x7fed806eb5d (addresses in stack traces), @1234: a sigil before a value.
  if (c0 === AT && n > 1) return classifyBytes(s, a + 1, b, cfg, other)
  if (cfg.number && letters - hexLetters <= 3 && isNumber(s, a, b)) return 'number'
  if (cfg.ip && letters === 0 && isIp(s, a, b)) return 'ip'
  if (cfg.uuid && n === 36 && isUuid(s, a, b)) return 'uuid'
  if (cfg.time && (letters <= 2 ? isTime(s, a, b) : letters === 3 && isNamedMonthDate(s, a, b))) return 'time'
  if (cfg.host && colons === 1 && isHostPort(s, a, b)) return 'host'
  if (cfg.hex) {
    if (n > 2 && c0 === 48 && (s[a + 1] | 32) === 120) {
      let i = a + 2
      while (i < b && isHex(s[i])) i++
      if (i === b) return 'hex'
    }
    if (n >= 8 && letters === hexLetters && digits + hexLetters === n) return 'hex'
  }
  // Identifier-like mixes (node-17, 30546173_4261722401, 220-135-151-1.hinet.net) vary; a word
  // with a trailing digit or two (SOCKS5, awdl0, ipv4) usually names a constant thing.
  if (!other) return null
  return digits >= letters || isDigit(c0) || hasSeparator(s, a, b) ? 'other' : null
}

export function hasSeparator(s: Bytes, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s[i]
    if (c === DASH || c === 95 || c === DOT) return true
  }
  return false
}


// Per-character flags of the token scan.
export const S_DIGIT = 1
export const S_LETTER = 2
export const S_NUMPUNCT = 4 // . :
export const S_SLASH = 8
export const S_OTHER = 16 // - _ * $ and other punctuation
export const S_DELIM = 32 // delimiters and '@'
export const S_SPACE = 64
export const S_SPECIAL = S_SLASH | S_DELIM
export const S_SLASH_ONLY = S_SLASH
/** Per byte value: bytes >= 128 (parts of UTF-8 sequences) are letters and S_HIGH. */
export const scanFlagsBase = new Uint16Array(256)
for (let c = 0; c < 128; c++) {
  const k = charClass[c]
  scanFlagsBase[c] = k & C_SPACE ? S_SPACE : k & C_DIGIT ? S_DIGIT : k & C_LETTER ? S_LETTER : c === DOT || c === COLON ? S_NUMPUNCT : c === SLASH ? S_SLASH : c === AT ? S_DELIM : S_OTHER
}
/**
 * Extra bit on `"`, `,`, backslash and control characters: a message without any needs no CSV
 * quoting and its parameters no JSON escaping. Only tested through Masker.needsCare.
 */
export const S_CARE = 128
/** A byte >= 128: the message is not plain ASCII. */
export const S_HIGH = 256
for (let c = 128; c < 256; c++) scanFlagsBase[c] = S_LETTER | S_HIGH
for (let c = 0; c < 128; c++) if (c === 34 || c === 44 || c === 92 || (c < 32 && !(charClass[c] & C_SPACE))) scanFlagsBase[c] |= S_CARE
export const FNV_OFFSET = 0x811c9dc5 | 0
export const FNV_PRIME = 16777619

export function stringHash(t: string): number {
  let h = FNV_OFFSET
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), FNV_PRIME)
  return h
}

export const WILDCARD_HASH = stringHash(WILDCARD)

export function allDigits(s: Bytes, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (!isDigit(s[i])) return false
  return true
}

export const CALENDAR = 1
export const UNIT = 2
export const contextWords = new Map<string, number>()
for (const w of [...MONTH_NAMES, 'Sept', ...WEEKDAY_NAMES]) {
  contextWords.set(w, CALENDAR)
}
for (const w of 'January February March April June July August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' ')) {
  contextWords.set(w, CALENDAR)
}
for (const w of 'B KB MB GB TB kB KiB MiB GiB TiB ms us ns s sec secs min mins'.split(' ')) contextWords.set(w, UNIT)

// First two characters of every context word, to skip the slice and lookup for other words.
export const contextBigrams = new Uint8Array(65536)
for (const w of contextWords.keys()) contextBigrams[((w.charCodeAt(0) & 0xff) << 8) | (w.length > 1 ? w.charCodeAt(1) & 0xff : 0)] = 1

export function mayBeContextWord(s: Bytes, a: number, b: number): boolean {
  while (a < b && !isWordChar(s[a])) a++
  if (a >= b) return false
  const c1 = a + 1 < b && isWordChar(s[a + 1]) ? s[a + 1] & 0xff : 0
  return contextBigrams[((s[a] & 0xff) << 8) | c1] === 1
}

/** The token without leading/trailing brackets, quotes and punctuation. */
export function stripPunctuation(t: string): string {
  let a = 0
  let b = t.length
  while (a < b && !isWordChar(t.charCodeAt(a))) a++
  while (b > a && !isWordChar(t.charCodeAt(b - 1))) b--
  return a === 0 && b === t.length ? t : t.slice(a, b)
}

export function isWordChar(c: number): boolean {
  return c >= 128 || (charClass[c] & (C_LETTER | C_DIGIT)) !== 0
}

/** "()", "[]", "{}", '""', "''", "<>", optionally followed by , ; . or : */
export function isEmptyContainer(s: Bytes, a: number, b: number): boolean {
  while (b - a > 2) {
    const c = s[b - 1]
    if (c === 44 || c === 59 || c === DOT || c === COLON) b--
    else break
  }
  if (b - a !== 2) return false
  const o = s[a]
  const c = s[a + 1]
  return (o === 40 && c === 41) || (o === 91 && c === 93) || (o === 123 && c === 125) || (o === 34 && c === 34) || (o === 39 && c === 39) || (o === 60 && c === 62)
}

export function hasDigitIn(s: Bytes, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s[i]
    if (c >= 48 && c <= 57) return true
  }
  return false
}

export function hasLetter(s: Bytes, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s[i]
    if (c >= 128 || charClass[c] & C_LETTER) return true
  }
  return false
}

/** True when the token holds a digit: Drain sends such tokens down the wildcard branch. */
export function hasDigit(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i)
    if (c >= 48 && c <= 57) return true
  }
  return false
}

/** A copy of `a` with room for n elements (the masker's, the fast path's and the sessions' growing buffers). */
export function widened<A extends Int32Array | Uint8Array | Float64Array>(a: A, n: number): A {
  const b = new (a.constructor as new (n: number) => A)(n)
  b.set(a)
  return b
}

/**
 * The end of the run of digits, dots and colons that starts at s[a] (before `to`) when that run is
 * what isIp() takes (a dotted quad, every part 0..255, optionally :port), in one pass; else -1.
 */
export function ipEnd(s: Bytes, a: number, to: number): number {
  let i = a
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= to || s[i] !== DOT) return -1
      i++
    }
    let v = 0
    const d = i
    while (i < to && i - d < 4 && s[i] >= 48 && s[i] <= 57) v = v * 10 + s[i++] - 48
    if (i === d || i - d > 3 || v > 255) return -1
  }
  if (i < to && s[i] === COLON) {
    const d = ++i
    while (i < to && s[i] >= 48 && s[i] <= 57) i++
    if (i === d) return -1
  }
  // The run must end here, as isIp() needs its range to end after the quad or the port.
  if (i < to && ((s[i] >= 48 && s[i] <= 57) || s[i] === DOT || s[i] === COLON)) return -1
  return i
}

/** classifyBytes for a string (char offsets; tests and callers that hold text). */
export function classifySegment(s: string, a: number, b: number, cfg: MaskingConfig, other = cfg.digitSegments): ParamType | null {
  const bytes = Buffer.from(s.slice(a, b), 'utf8')
  return classifyBytes(bytes, 0, bytes.length, cfg, other)
}
