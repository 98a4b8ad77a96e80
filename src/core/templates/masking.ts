/**
 * Masking: turns a message into the token sequence Drain mines, with variable-looking pieces
 * replaced by `<*>`. One character scan per token classifies it (number, ip, hex, uuid, path,
 * block, ...) instead of running a list of regexes over every line, which is what keeps the
 * parse path fast.
 */

import {
  WILDCARD,
  CALENDAR,
  COLON,
  C_SPACE,
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
  UNIT,
  WILDCARD_HASH,
  allDigits,
  charClass,
  classifySegment,
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
} from './classify.js'

export {WILDCARD, classifySegment, hasDigit} from './classify.js'


export type ParamType = 'ip' | 'host' | 'number' | 'hex' | 'uuid' | 'path' | 'block' | 'url' | 'email' | 'time' | 'other'

export interface Param {
  value: string
  type: ParamType
}

export interface MaskingConfig {
  ip: boolean
  /** host.name:port (a dotted host name with a numeric port). */
  host: boolean
  number: boolean
  hex: boolean
  uuid: boolean
  path: boolean
  /** HDFS block ids: blk_123, blk_-123. */
  block: boolean
  url: boolean
  email: boolean
  /** Times and dates inside messages: 12:04:33, 2017-12-31, 2017-12-31T10:00:00.123Z. */
  time: boolean
  /** Unit words after a masked number (KB, ms, sec, ...) join the parameter: `(1.98 KB)`, `<1 sec`. */
  units: boolean
  /** Any other segment containing a digit is a parameter (type 'other'), e.g. host names like node-17. */
  digitSegments: boolean
  /**
   * Characters that split a whitespace token into segments that are masked on their own, so
   * `size=42,` becomes `size=<*>,`. A token made only of parameters and these characters collapses
   * to a single `<*>`.
   */
  delimiters: string
}

export const defaultMaskingConfig: Readonly<MaskingConfig> = Object.freeze({
  ip: true,
  host: true,
  number: true,
  hex: true,
  uuid: true,
  path: true,
  block: true,
  url: true,
  email: true,
  time: true,
  units: true,
  digitSegments: true,
  delimiters: '=,;()[]{}"\'<>|#',
})

/**
 * Splits messages into masked tokens. Reuses its output buffers, so one instance serves one
 * caller at a time.
 */
export class Masker {
  readonly config: Readonly<MaskingConfig>
  private readonly delim = new Uint8Array(128)
  private readonly flags: Uint8Array
  // Buffers of the last scan, per token.
  private kinds = new Uint8Array(64)
  private starts = new Int32Array(64)
  private ends = new Int32Array(64)
  private tokenHash = new Int32Array(64)
  private masks: (string | null)[] = []
  private count = 0
  private lastContent: string | null = null
  /** Per token of the last scan: the type of a token masked whole, when known without a rescan. */
  private types: (ParamType | null)[] = []
  private wholeType: ParamType | null = null
  /** Hash of the last scan's masked token sequence. */
  hash = 0
  /** What an all-digits token becomes. */
  private readonly wholeNumber: string | null

  constructor(config: Partial<MaskingConfig> = {}) {
    this.config = Object.freeze({...defaultMaskingConfig, ...config})
    this.wholeNumber = this.config.number || this.config.digitSegments ? WILDCARD : null
    this.flags = scanFlagsBase.slice()
    for (const ch of this.config.delimiters) {
      const c = ch.charCodeAt(0)
      if (c < 128) {
        this.delim[c] = 1
        if (this.flags[c] & (S_OTHER | S_NUMPUNCT | S_SLASH)) this.flags[c] = S_DELIM
      }
    }
  }

  /**
   * Hot path: masks the tokens of `content` into internal buffers without materialising literal
   * tokens, and computes `hash` over the masked token sequence. Returns the token count. Use
   * matches() to compare with a token array and materialize() to get one.
   */
  scan(content: string): number {
    const len = content.length
    const scanFlags = this.flags
    let count = 0
    let maskedAny = false
    let contextCandidate = false
    let i = 0
    while (i < len) {
      let c = content.charCodeAt(i)
      if (c < 128 && charClass[c] & C_SPACE) {
        i++
        continue
      }
      const start = i
      let flags = 0
      while (i < len) {
        c = content.charCodeAt(i)
        const f = c < 128 ? scanFlags[c] : S_LETTER
        if (f & S_SPACE) break
        flags |= f
        i++
      }
      // A cheap signature of a literal token (length, first, middle and last characters): the
      // cache verifies candidates with matches(), so collisions cost a comparison, not a mistake.
      const th = Math.imul(((i - start) << 16) ^ content.charCodeAt(start) ^ (content.charCodeAt(i - 1) << 8), FNV_PRIME) ^ content.charCodeAt((start + i) >> 1)
      if (count >= this.kinds.length) this.grow()
      let m: string | null = null
      this.wholeType = null
      if (flags & S_DIGIT) {
        if (flags === S_DIGIT) {
          m = this.wholeNumber
          this.wholeType = 'number'
        } else {
          const fast =
            (flags & (S_LETTER | S_OTHER | S_SPECIAL)) === 0 || (flags & (S_LETTER | S_OTHER | S_SPECIAL)) === S_SLASH_ONLY
              ? this.numericShape(content, start, i)
              : content.charCodeAt(start) === 98 && this.config.block && isBlockId(content, start, i)
                ? ((this.wholeType = 'block'), WILDCARD)
                : null
          m = fast ?? this.maskToken(content, start, i, undefined, count)
        }
      } else if (flags & S_SPECIAL) m = this.maskToken(content, start, i, undefined, count)
      if (m === null) {
        // A literal that may be a month, weekday or unit word next to a masked value.
        if (i - start <= 10 && !contextCandidate && mayBeContextWord(content, start, i)) contextCandidate = true
      } else maskedAny = true
      this.masks[count] = m
      this.types[count] = m === WILDCARD ? this.wholeType : null
      this.kinds[count] = 0
      this.starts[count] = start
      this.ends[count] = i
      this.tokenHash[count] = th
      count++
    }
    this.masks.length = count
    this.count = count
    this.lastContent = content
    if (maskedAny && contextCandidate && (this.config.time || this.config.units)) this.maskContextWords(content, count)
    let h = FNV_OFFSET ^ count
    for (let k = 0; k < count; k++) {
      const m = this.masks[k]
      h = Math.imul(h ^ (m === null ? this.tokenHash[k] : m === WILDCARD ? WILDCARD_HASH : stringHash(m)), FNV_PRIME)
      h ^= h >>> 15
    }
    this.hash = h
    return count
  }

  /**
   * Shortcut for the common numeric shapes (decimals, IPs, ip:port, /ip:port): `<*>` when the
   * token is one, null to fall back to maskToken (which would give the same `<*>`).
   */
  private numericShape(s: string, a: number, b: number): string | null {
    const cfg = this.config
    const c0 = s.charCodeAt(a)
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

  /**
   * Typed parameters of `content` against a template of masked tokens: the values at its `<*>`
   * positions and those masked inside partly masked tokens (`size=<*>`). Null when the content
   * does not fit the template. Reuses the last scan when it was of this same string.
   */
  params(content: string, template: readonly string[]): Param[] | null {
    if (this.lastContent !== content) this.scan(content)
    const n = this.count
    if (template.length !== n) return null
    const out: Param[] = []
    for (let k = 0; k < n; k++) {
      const m = this.masks[k]
      const t = template[k]
      const a = this.starts[k]
      const b = this.ends[k]
      if (t === WILDCARD) {
        if (m === WILDCARD) out.push(this.wholeParam(content, k))
        else out.push({value: content.slice(a, b), type: 'other'})
      } else if (m === null) {
        if (t.length !== b - a || !content.startsWith(t, a)) return null
      } else {
        if (m !== t) return null
        const found: (Param[] | null)[] = [null]
        this.maskToken(content, a, b, found, 0)
        if (found[0]) for (const p of found[0]) out.push(p)
      }
    }
    return out
  }

  /** The parameter of a token the last scan masked whole. */
  private wholeParam(content: string, k: number): Param {
    const a = this.starts[k]
    const b = this.ends[k]
    const value = content.slice(a, b)
    const kind = this.kinds[k]
    if (kind !== 0) return {value, type: kind === UNIT ? 'number' : 'time'}
    const type = this.types[k]
    if (type) return {value, type}
    const found: (Param[] | null)[] = [null]
    this.maskToken(content, a, b, found, 0)
    return found[0]?.[0] ?? {value, type: 'other'}
  }

  /** True when the last scan's masked tokens equal `tokens` (content must be the scanned string). */
  matches(content: string, tokens: readonly string[]): boolean {
    const n = this.count
    if (tokens.length !== n) return false
    for (let k = 0; k < n; k++) {
      const m = this.masks[k]
      const t = tokens[k]
      if (m !== null) {
        if (m !== t) return false
        continue
      }
      const a = this.starts[k]
      if (t.length !== this.ends[k] - a || !content.startsWith(t, a)) return false
    }
    return true
  }

  /** The last scan's masked tokens as a new array. */
  materialize(content: string, out: string[] = []): string[] {
    const n = this.count
    for (let k = 0; k < n; k++) out[k] = this.masks[k] ?? content.slice(this.starts[k], this.ends[k])
    out.length = n
    return out
  }

  /**
   * Fills `out` with the masked tokens of `content` and returns their number (out.length is set).
   * When `params` is given, it receives, per token, the parameters masked inside it (or null);
   * `raw` receives the unmasked tokens.
   */
  tokenize(content: string, out: string[], params?: (Param[] | null)[], raw?: string[]): number {
    const n = this.scan(content)
    this.materialize(content, out)
    if (raw) {
      for (let k = 0; k < n; k++) raw[k] = content.slice(this.starts[k], this.ends[k])
      raw.length = n
    }
    if (params) {
      for (let k = 0; k < n; k++) {
        const a = this.starts[k]
        const b = this.ends[k]
        if (this.masks[k] === null) params[k] = null
        else if (this.kinds[k] !== 0) params[k] = [{value: content.slice(a, b), type: this.kinds[k] === UNIT ? 'number' : 'time'}]
        else if (this.masks[k] === WILDCARD && allDigits(content, a, b)) params[k] = [{value: content.slice(a, b), type: 'number'}]
        else this.maskToken(content, a, b, params, k)
      }
      params.length = n
    }
    return n
  }

  private grow(): void {
    const n = this.kinds.length * 2
    const k = new Uint8Array(n)
    k.set(this.kinds)
    this.kinds = k
    const st = new Int32Array(n)
    st.set(this.starts)
    this.starts = st
    const en = new Int32Array(n)
    en.set(this.ends)
    this.ends = en
    const th = new Int32Array(n)
    th.set(this.tokenHash)
    this.tokenHash = th
  }

  /**
   * Month and weekday names next to a masked date part (`Fri Jun 17 07:07:00 2005`) and unit words
   * after a masked number (`2034 bytes (1.98 KB)`) become parameters too.
   */
  private maskContextWords(s: string, n: number): void {
    const masks = this.masks
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
        const kind = contextWords.get(stripPunctuation(s.slice(a, b))) ?? 0
        if (kind === UNIT ? before && this.config.units : kind === CALENDAR && this.config.time) {
          masks[i] = WILDCARD
          this.kinds[i] = kind
        }
      }
    }
  }

  /** Masks the token s[a, b); records its parameters at params[index] when params is given. */
  private maskToken(s: string, a: number, b: number, params: (Param[] | null)[] | undefined, index: number): string | null {
    const cfg = this.config
    this.wholeType = null
    const whole = classifySegment(s, a, b, cfg, false)
    if (whole !== null) {
      if (params) params[index] = [{value: s.slice(a, b), type: whole}]
      this.wholeType = whole
      return WILDCARD
    }
    // Trim leading and trailing delimiters/punctuation, then split on delimiters.
    const delim = this.delim
    let hasDelim = false
    for (let i = a; i < b; i++) {
      const c = s.charCodeAt(i)
      if ((c < 128 && delim[c]) || c === COLON || c === DOT) {
        hasDelim = true
        break
      }
    }
    if (!hasDelim) {
      if (cfg.digitSegments && hasDigitIn(s, a, b) && classifySegment(s, a, b, cfg, true) !== null) {
        if (params) params[index] = [{value: s.slice(a, b), type: 'other'}]
        this.wholeType = 'other'
        return WILDCARD
      }
      if (params) params[index] = null
      return null
    }
    let masked = ''
    let literalText = false
    let found: Param[] | null = null
    let anyParam = false
    let i = a
    while (i < b) {
      const c = s.charCodeAt(i)
      if (c < 128 && delim[c]) {
        masked += s[i]
        i++
        continue
      }
      const g = i
      while (i < b) {
        const d = s.charCodeAt(i)
        if (d < 128 && delim[d]) break
        i++
      }
      // Segment s[g, i); a trailing '.' or ':' (end of sentence, "from 1.2.3.4:") is punctuation.
      let e = i
      while (e > g + 1 && (s.charCodeAt(e - 1) === DOT || s.charCodeAt(e - 1) === COLON)) e--
      let type = classifySegment(s, g, e, cfg, false)
      if (type !== null) {
        masked += WILDCARD
        if (e < i) masked += s.slice(e, i)
        anyParam = true
        if (params) (found ??= []).push({value: s.slice(g, e), type})
        continue
      }
      // key:value — mask the parts after the first colon on their own.
      let p = s.indexOf(':', g)
      if (p >= 0 && p < e) {
        let q = g
        while (q < e) {
          p = s.indexOf(':', q)
          if (p < 0 || p >= e) p = e
          type = q < p ? classifySegment(s, q, p, cfg, q > g) : null
          if (type !== null) {
            masked += WILDCARD
            anyParam = true
            if (params) (found ??= []).push({value: s.slice(q, p), type})
          } else if (q < p) {
            masked += s.slice(q, p)
            if (hasLetter(s, q, p)) literalText = true
          }
          if (p < e) masked += ':'
          q = p + 1
        }
        if (e < i) masked += s.slice(e, i)
        continue
      }
      if (cfg.digitSegments && hasDigitIn(s, g, e) && classifySegment(s, g, e, cfg, true) !== null) {
        masked += WILDCARD
        if (e < i) masked += s.slice(e, i)
        anyParam = true
        if (params) (found ??= []).push({value: s.slice(g, e), type: 'other'})
        continue
      }
      masked += s.slice(g, i)
      if (hasLetter(s, g, i)) literalText = true
    }
    if (!anyParam && !literalText && isEmptyContainer(s, a, b)) {
      // "()", "[]", '""': an empty value where other lines carry one.
      if (params) params[index] = [{value: '', type: 'other'}]
      return WILDCARD
    }
    if (anyParam && !literalText) {
      if (params) params[index] = found && found.length === 1 ? found : [{value: s.slice(a, b), type: 'other'}]
      return WILDCARD
    }
    if (params) params[index] = found
    return anyParam ? masked : null
  }
}
