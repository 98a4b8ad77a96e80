/**
 * Scanning: one pass over a message's UTF-8 bytes splits it into tokens and masks the
 * variable-looking ones (number, ip, hex, uuid, path, block, ...; classify.ts types them) instead
 * of running a list of regexes over every line, and no string is made for a token unless a caller
 * asks for it. scanBytes() masks a line straight out of a buffer; scan() encodes a string into a
 * scratch buffer first. The parameters of a scan are Masker's (masker.ts).
 */
import {
  WILDCARD,
  CALENDAR,
  COLON,
  DOT,
  FNV_OFFSET,
  FNV_PRIME,
  SLASH,
  S_DELIM,
  S_DIGIT,
  S_LETTER,
  S_NUMPUNCT,
  S_OTHER,
  S_SLASH,
  S_SLASH_ONLY,
  S_SPACE,
  S_SPECIAL,
  S_CARE,
  S_HIGH,
  UNIT,
  WILDCARD_HASH,
  classifyBytes,
  type Bytes,
  contextWords,
  hasDigitIn,
  hasLetter,
  isBlockId,
  isEmptyContainer,
  isIp,
  isNumber,
  mayBeContextWord,
  scanFlagsBase,
  stringHash,
  stripPunctuation,
  widened,
} from './classify.js'
import {defaultMaskingConfig, type MaskingConfig, type ParamType} from './config.js'

/**
 * An array of n copies of `value` with packed elements (`new Array(n)` makes a holey one): the
 * hot paths, and the slices taken of these arrays, then always meet one array kind, and optimised
 * code is not thrown away when a second kind shows up.
 */
export function packed<T>(n: number, value: T): T[] {
  return Array.from({length: n}, () => value)
}

const EMPTY = Buffer.alloc(0)

/**
 * Splits messages into masked tokens. Reuses its output buffers, so one instance serves one
 * caller at a time. Offsets (starts, ends, parameter ranges) are byte offsets into the buffer of
 * the last scan.
 */
export class TokenScanner {
  readonly config: Readonly<MaskingConfig>
  protected readonly delim = new Uint8Array(128)
  protected readonly flags: Uint16Array
  // The last scan: its buffer and, per token, kind, byte range, signature and mask.
  protected buf: Buffer = EMPTY
  protected ascii = true
  protected scratch = Buffer.allocUnsafe(1024)
  // Room for a 1 KB message's tokens from the start: growing them mid-file (a first long line)
  // would throw away the scan's optimised code.
  protected kinds = new Uint8Array(512)
  protected starts = new Int32Array(512)
  protected ends = new Int32Array(512)
  protected tokenHash = new Int32Array(512)
  /**
   * Index of the first token of the last scan that may hold an HDFS block id (`blk_` + digits:
   * a `_` and a digit), or -1; nextBlockToken() walks the others. Lets a caller look for block
   * ids in a few tokens instead of every byte.
   */
  protected blockish = new Int32Array(512)
  protected blockishCount = 0
  protected masks: (string | null)[] = packed<string | null>(512, null)
  protected count = 0
  protected lastContent: string | null = null
  /** Per token of the last scan: the type of a token masked whole, when known without a rescan. */
  protected types: (ParamType | null)[] = packed<ParamType | null>(512, null)
  protected wholeType: ParamType | null = null
  /** Parameters found inside the token maskToken() last looked at, when it was asked to record. */
  protected tpStart = new Int32Array(16)
  protected tpEnd = new Int32Array(16)
  protected tpType: ParamType[] = packed<ParamType>(16, 'other')
  protected tpCount = 0
  /** Hash of the last scan's masked token sequence. */
  hash = 0
  /**
   * The last scan met a `"`, `,`, backslash, CR or another control character: its text needs
   * CSV quoting or JSON escaping. False means it can be copied into CSV and JSON as it is.
   */
  needsCare = false
  /** What an all-digits token becomes. */
  protected readonly wholeNumber: string | null
  /** Scan flags of a block id token (`blk_123`, `blk_-123`). */
  protected readonly blockFlags: number
  protected readonly blockFlagsNegative: number

  constructor(config: Partial<MaskingConfig> = {}) {
    this.config = Object.freeze({...defaultMaskingConfig, ...config})
    this.wholeNumber = this.config.number || this.config.digitSegments ? WILDCARD : null
    this.flags = scanFlagsBase.slice()
    for (const ch of this.config.delimiters) {
      const c = ch.charCodeAt(0)
      if (c < 128) {
        this.delim[c] = 1
        if (this.flags[c] & (S_OTHER | S_NUMPUNCT | S_SLASH)) this.flags[c] = S_DELIM | (this.flags[c] & S_CARE)
      }
    }
    const f = this.flags
    this.blockFlags = f[98] | f[108] | f[107] | f[95] | S_DIGIT
    this.blockFlagsNegative = this.blockFlags | f[45]
  }

  /** Masks `content` (see scanBytes); the string is encoded into a reused scratch buffer. */
  scan(content: string): number {
    const max = content.length * 3
    if (max > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(max, this.scratch.length * 2))
    const n = this.scratch.write(content, 0, 'utf8')
    const count = this.scanBytes(this.scratch, 0, n)
    this.lastContent = content
    return count
  }

  /**
   * Hot path: masks the tokens of buf[from, to) into internal buffers without making strings for
   * literal tokens, and computes `hash` over the masked token sequence. Returns the token count.
   * Use matches() to compare with a token array and materialize() to get one.
   */
  scanBytes(buf: Buffer, from: number, to: number): number {
    const scanFlags = this.flags
    this.buf = buf
    this.lastContent = null
    // Until the scan knows the line is ASCII, token text is decoded as UTF-8 (always correct).
    this.ascii = false
    // Room for the most tokens the message can hold, so the loop never checks.
    const most = ((to - from + 1) >> 1) + 1
    while (this.kinds.length < most) this.grow()
    const masks = this.masks
    const types = this.types
    const kinds = this.kinds
    const starts = this.starts
    const ends = this.ends
    const tokenHash = this.tokenHash
    const blockTokens = this.blockish
    let count = 0
    let maskedAny = false
    let contextCandidate = false
    let care = 0
    let blockish = 0
    let h = FNV_OFFSET
    let i = from
    while (i < to) {
      let f = scanFlags[buf[i]]
      if (f & S_SPACE) {
        if (buf[i] !== 32) care |= S_CARE
        i++
        continue
      }
      const start = i
      let flags = f
      for (i++; i < to; i++) {
        f = scanFlags[buf[i]]
        if (f & S_SPACE) break
        flags |= f
      }
      care |= flags
      if (flags & S_DIGIT && flags & (S_OTHER | S_DELIM)) blockTokens[blockish++] = count
      const m = this.maskScanned(buf, start, i, flags)
      let th: number
      if (m === null) {
        // A cheap signature of a literal token (length, first, middle and last bytes): the cache
        // verifies candidates with matches(), so collisions cost a comparison, not a mistake.
        th = Math.imul(((i - start) << 16) ^ buf[start] ^ (buf[i - 1] << 8), FNV_PRIME) ^ buf[(start + i) >> 1]
        // A literal that may be a month, weekday or unit word next to a masked value.
        if (!contextCandidate && i - start <= 10 && mayBeContextWord(buf, start, i)) contextCandidate = true
      } else {
        th = m === WILDCARD ? WILDCARD_HASH : stringHash(m)
        maskedAny = true
      }
      h = Math.imul(h ^ th, FNV_PRIME)
      h ^= h >>> 15
      masks[count] = m
      types[count] = m === WILDCARD ? this.wholeType : null
      kinds[count] = 0
      starts[count] = start
      ends[count] = i
      tokenHash[count] = th
      count++
    }
    this.count = count
    this.blockishCount = blockish
    this.ascii = (care & S_HIGH) === 0
    this.needsCare = (care & S_CARE) !== 0
    if (maskedAny && contextCandidate && (this.config.time || this.config.units) && this.maskContextWords(buf, count)) {
      // Context words became wildcards: hash the final token sequence again.
      h = FNV_OFFSET
      for (let k = 0; k < count; k++) {
        const m = masks[k]
        h = Math.imul(h ^ (m === null ? this.tokenHash[k] : m === WILDCARD ? WILDCARD_HASH : stringHash(m)), FNV_PRIME)
        h ^= h >>> 15
      }
    }
    this.hash = Math.imul(h ^ count, FNV_PRIME)
    return count
  }

  /**
   * The mask of token buf[a, b), whose scan flags OR to `flags`: null for a literal, `<*>` or a
   * partly masked token otherwise; the type of a whole `<*>` is left in wholeType (null when only
   * a rescan can tell, see wholeParam). `record`: a partly masked token's inner parameters are
   * left in tpStart / tpEnd / tpType (see innerParams), as maskToken records them.
   */
  protected maskScanned(buf: Buffer, a: number, b: number, flags: number, record = false): string | null {
    if (flags & S_DIGIT) {
      if (flags === S_DIGIT) {
        this.wholeType = 'number'
        return this.wholeNumber
      }
      this.wholeType = null
      const fast =
        (flags & (S_LETTER | S_OTHER | S_SPECIAL)) === 0 || (flags & (S_LETTER | S_OTHER | S_SPECIAL)) === S_SLASH_ONLY
          ? this.numericShape(buf, a, b)
          : buf[a] === 98 && this.config.block && isBlockId(buf, a, b)
            ? ((this.wholeType = 'block'), WILDCARD)
            : null
      return fast ?? this.maskToken(buf, a, b, record)
    }
    if (flags & S_SPECIAL) return this.maskToken(buf, a, b, record)
    return null
  }

  /** Tokens of the last scan that may hold a block id (a `_` and a digit): how many. */
  get blockTokens(): number {
    return this.blockishCount
  }

  /** Byte range of the i-th such token (i < blockTokens): its start; tokenEnd(i) its end. */
  blockTokenStart(i: number): number {
    return this.starts[this.blockish[i]]
  }

  blockTokenEnd(i: number): number {
    return this.ends[this.blockish[i]]
  }

  /** True when the i-th such token is a block id as a whole (`blk_-123`). */
  blockTokenWhole(i: number): boolean {
    return this.types[this.blockish[i]] === 'block'
  }

  /** The bytes buf[a, b) as a string. */
  protected text(a: number, b: number): string {
    return this.ascii ? this.buf.latin1Slice(a, b) : this.buf.utf8Slice(a, b)
  }

  /**
   * Shortcut for the common numeric shapes (decimals, IPs, ip:port, /ip:port): `<*>` when the
   * token is one, null to fall back to maskToken (which would give the same `<*>`).
   */
  protected numericShape(s: Bytes, a: number, b: number): string | null {
    const cfg = this.config
    const c0 = s[a]
    if (c0 === SLASH) {
      this.wholeType = 'ip'
      return cfg.path && cfg.ip && isIp(s, a + 1, b) ? WILDCARD : null
    }
    if (cfg.number && isNumber(s, a, b)) {
      this.wholeType = 'number'
      return WILDCARD
    }
    this.wholeType = 'ip'
    return cfg.ip && isIp(s, a, b) ? WILDCARD : null
  }

  /** True when literal token k of the last scan is exactly `t`. */
  protected literalEquals(k: number, t: string): boolean {
    const a = this.starts[k]
    const len = this.ends[k] - a
    if (!this.ascii) return this.text(a, a + len) === t
    if (t.length !== len) return false
    const buf = this.buf
    for (let j = 0; j < len; j++) if (buf[a + j] !== t.charCodeAt(j)) return false
    return true
  }

  /** True when the last scan's masked tokens equal `tokens`. */
  matches(tokens: readonly string[]): boolean {
    const n = this.count
    if (tokens.length !== n) return false
    const masks = this.masks
    for (let k = 0; k < n; k++) {
      const m = masks[k]
      const t = tokens[k]
      if (m !== null) {
        if (m !== t) return false
        continue
      }
      if (!this.literalEquals(k, t)) return false
    }
    return true
  }

  /** The last scan's masked tokens as a new array. */
  materialize(out: string[] = []): string[] {
    const n = this.count
    for (let k = 0; k < n; k++) out[k] = this.masks[k] ?? this.text(this.starts[k], this.ends[k])
    out.length = n
    return out
  }

  protected grow(): void {
    const n = this.kinds.length * 2
    this.kinds = widened(this.kinds, n)
    this.starts = widened(this.starts, n)
    this.ends = widened(this.ends, n)
    this.tokenHash = widened(this.tokenHash, n)
    this.blockish = widened(this.blockish, n)
  }

  /**
   * Month and weekday names next to a masked date part (`Fri Jun 17 07:07:00 2005`) and unit words
   * after a masked number (`2034 bytes (1.98 KB)`) become parameters too.
   */
  protected maskContextWords(s: Bytes, n: number): boolean {
    const masks = this.masks
    let changed = false
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < n; k++) {
        const i = pass === 0 ? k : n - 1 - k
        if (masks[i] !== null) continue
        const a = this.starts[i]
        const b = this.ends[i]
        if (b - a > 10) continue
        const prev = i > 0 ? masks[i - 1] : null
        const next = i + 1 < n ? masks[i + 1] : null
        const before = prev !== null && (prev === WILDCARD || prev.endsWith(WILDCARD))
        const after = next !== null && (next === WILDCARD || next.startsWith(WILDCARD))
        if (!before && !after) continue
        if (!mayBeContextWord(s, a, b)) continue
        const kind = contextWords.get(stripPunctuation(this.text(a, b))) ?? 0
        if (kind === UNIT ? before && this.config.units : kind === CALENDAR && this.config.time) {
          masks[i] = WILDCARD
          this.kinds[i] = kind
          changed = true
        }
      }
    }
    return changed
  }

  /** Records a parameter found inside the token being masked. */
  protected found(a: number, b: number, type: ParamType): void {
    const n = this.tpCount
    if (n >= this.tpStart.length) {
      this.tpStart = widened(this.tpStart, n * 2)
      this.tpEnd = widened(this.tpEnd, n * 2)
      while (this.tpType.length < n * 2) this.tpType.push('other')
    }
    this.tpStart[n] = a
    this.tpEnd[n] = b
    this.tpType[n] = type
    this.tpCount = n + 1
  }

  /**
   * Masks the token s[a, b). With `record`, the parameters inside it are left in tpStart / tpEnd
   * / tpType (tpCount of them).
   */
  protected maskToken(s: Bytes, a: number, b: number, record: boolean): string | null {
    const cfg = this.config
    this.wholeType = null
    this.tpCount = 0
    const whole = classifyBytes(s, a, b, cfg, false)
    if (whole !== null) {
      if (record) this.found(a, b, whole)
      this.wholeType = whole
      return WILDCARD
    }
    // Trim leading and trailing delimiters/punctuation, then split on delimiters.
    const delim = this.delim
    let hasDelim = false
    for (let i = a; i < b; i++) {
      const c = s[i]
      if ((c < 128 && delim[c]) || c === COLON || c === DOT) {
        hasDelim = true
        break
      }
    }
    if (!hasDelim) {
      if (cfg.digitSegments && hasDigitIn(s, a, b) && classifyBytes(s, a, b, cfg, true) !== null) {
        if (record) this.found(a, b, 'other')
        this.wholeType = 'other'
        return WILDCARD
      }
      return null
    }
    let masked = ''
    let literalText = false
    let anyParam = false
    let i = a
    while (i < b) {
      const c = s[i]
      if (c < 128 && delim[c]) {
        masked += String.fromCharCode(c)
        i++
        continue
      }
      const g = i
      while (i < b) {
        const d = s[i]
        if (d < 128 && delim[d]) break
        i++
      }
      // Segment s[g, i); a trailing '.' or ':' (end of sentence, "from 1.2.3.4:") is punctuation.
      let e = i
      while (e > g + 1 && (s[e - 1] === DOT || s[e - 1] === COLON)) e--
      let type = classifyBytes(s, g, e, cfg, false)
      if (type !== null) {
        masked += WILDCARD
        if (e < i) masked += this.text(e, i)
        anyParam = true
        if (record) this.found(g, e, type)
        continue
      }
      // key:value — mask the parts after the first colon on their own.
      let p = indexOfColon(s, g, e)
      if (p >= 0) {
        let q = g
        while (q < e) {
          p = indexOfColon(s, q, e)
          if (p < 0) p = e
          type = q < p ? classifyBytes(s, q, p, cfg, q > g) : null
          if (type !== null) {
            masked += WILDCARD
            anyParam = true
            if (record) this.found(q, p, type)
          } else if (q < p) {
            masked += this.text(q, p)
            if (hasLetter(s, q, p)) literalText = true
          }
          if (p < e) masked += ':'
          q = p + 1
        }
        if (e < i) masked += this.text(e, i)
        continue
      }
      if (cfg.digitSegments && hasDigitIn(s, g, e) && classifyBytes(s, g, e, cfg, true) !== null) {
        masked += WILDCARD
        if (e < i) masked += this.text(e, i)
        anyParam = true
        if (record) this.found(g, e, 'other')
        continue
      }
      masked += this.text(g, i)
      if (hasLetter(s, g, i)) literalText = true
    }
    if (!anyParam && !literalText && isEmptyContainer(s, a, b)) {
      // "()", "[]", '""': an empty value where other lines carry one.
      if (record) {
        this.tpCount = 0
        this.found(a, a, 'other')
      }
      return WILDCARD
    }
    if (anyParam && !literalText) {
      if (record && this.tpCount !== 1) {
        this.tpCount = 0
        this.found(a, b, 'other')
      }
      return WILDCARD
    }
    return anyParam ? masked : null
  }
}

function indexOfColon(s: Bytes, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s[i] === COLON) return i
  return -1
}

declare module 'node:buffer' {
  interface Buffer {
    /** Node's internal fast decoders (present on every Buffer; not in @types/node). */
    latin1Slice(start: number, end: number): string
    utf8Slice(start: number, end: number): string
  }
}
