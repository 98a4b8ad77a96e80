/**
 * The masker of the byte fast path: the plain Masker plus what shape plans need (shape-plan.ts).
 * planFrom() records the shape of the last byte scan as a plan; fitPlan() checks a line against a
 * plan without masking it from scratch, and leaves the masker as scanBytes() and paramRanges()
 * would. FastMiner keeps the plans; `flare detect` and the string path never touch this.
 */
import {Masker} from '../templates/masking/index.js'
import {
  COLON,
  DOT,
  FNV_PRIME,
  SLASH,
  S_CARE,
  S_DELIM,
  S_DIGIT,
  S_HIGH,
  S_NUMPUNCT,
  S_OTHER,
  S_SLASH,
  S_SPACE,
  S_SPECIAL,
  WILDCARD,
  allDigits,
  hasScheme,
  ipEnd,
  isBlockId,
  isIp,
  type Bytes,
} from '../templates/masking/classify.js'
import type {ParamType} from '../templates/masking/index.js'
import {H_BLOCK, H_DIGITS, H_GENERIC, H_IP, H_PATH, H_SLASH_IP, P_LIT, P_LIT_PARAM, P_PARTIAL, P_PARTIAL_WILD, P_WHOLE, type ShapePlan} from './shape-plan.js'

/** shapeKey() of a message whose first token could be masked. */
export const PLAN_MASKABLE = 0x20000000

/** A small-integer key of a literal token's bytes (length, first, middle and last byte). */
function literalKey(buf: Bytes, a: number, b: number): number {
  return (Math.imul(((b - a) << 16) ^ buf[a] ^ (buf[b - 1] << 8), FNV_PRIME) ^ buf[(a + b) >> 1]) & 0x1fffffff
}

export class PlanMasker extends Masker {
  /**
   * The plan bucket of the message buf[from, to) (see FastMiner's plan cache): a key of its
   * first token's bytes when that token can only be a literal, PLAN_MASKABLE when it could be
   * masked, -1 when the message has no token. Lines of one shape always get the same key.
   */
  shapeKey(buf: Buffer, from: number, to: number): number {
    const flags = this.flags
    let i = from
    while (i < to && flags[buf[i]] & S_SPACE) i++
    if (i >= to) return -1
    const a = i
    let fl = 0
    for (; i < to; i++) {
      const f = flags[buf[i]]
      if (f & S_SPACE) break
      fl |= f
    }
    return fl & (S_DIGIT | S_SPECIAL) ? PLAN_MASKABLE : literalKey(buf, a, i)
  }

  /**
   * Fills `plan` from the last byte scan, whose parameters are read against `template` (the
   * template lastParamRanges() picked): false when the shape cannot be planned (a month or unit
   * word was masked for its neighbours, which depends on more than the token itself).
   */
  planFrom(template: readonly string[], plan: ShapePlan): boolean {
    const n = this.count
    if (template.length !== n) return false
    for (let k = 0; k < n; k++) if (this.kinds[k] !== 0) return false
    plan.reserve(n)
    let bytes = 0
    for (let k = 0; k < n; k++) if (this.masks[k] === null) bytes += this.ends[k] - this.starts[k]
    if (plan.lits.length < bytes) plan.lits = Buffer.allocUnsafe(bytes)
    const buf = this.buf
    let p = 0
    for (let k = 0; k < n; k++) {
      const m = this.masks[k]
      const t = template[k]
      plan.masks[k] = m
      if (m === null) {
        const a = this.starts[k]
        const b = this.ends[k]
        let fl = 0
        for (let i = a; i < b; i++) fl |= this.flags[buf[i]]
        buf.copy(plan.lits, p, a, b)
        plan.litStart[k] = p
        plan.litEnd[k] = p += b - a
        plan.litFlags[k] = fl
        plan.ops[k] = t === WILDCARD ? P_LIT_PARAM : P_LIT
      } else if (m === WILDCARD) {
        plan.ops[k] = P_WHOLE
        plan.hints[k] = this.hintFor(k)
      } else plan.ops[k] = t === WILDCARD ? P_PARTIAL_WILD : P_PARTIAL
    }
    plan.masks.length = n
    plan.n = n
    plan.hash = this.hash
    return true
  }

  /**
   * Checks buf[from, to) against `plan`: when every literal token has the plan's bytes and every
   * other token masks as the plan says, the message has the plan's masked shape. Then the masker
   * is left as scanBytes() and paramRanges(template of the plan) would leave it, and the number of
   * parameters is returned; otherwise -1 (the masker's state is then undefined: scan again).
   */
  fitPlan(buf: Buffer, from: number, to: number, plan: ShapePlan): number {
    const flags = this.flags
    const n = plan.n
    const ops = plan.ops
    const lits = plan.lits
    const masks = this.masks
    const types = this.types
    const starts = this.starts
    const ends = this.ends
    const blockTokens = this.blockish
    // As in scanBytes: maskToken decodes pieces of partly masked tokens from this.buf, as UTF-8
    // until the line is known to be ASCII.
    this.buf = buf
    this.lastContent = null
    this.ascii = false
    let care = 0
    let blockish = 0
    let np = 0
    let i = from
    for (let k = 0; k < n; k++) {
      for (; i < to; i++) {
        const c = buf[i]
        if ((flags[c] & S_SPACE) === 0) break
        if (c !== 32) care |= S_CARE
      }
      if (i >= to) return -1
      const start = i
      const op = ops[k]
      let end = -1
      if (op <= P_LIT_PARAM) {
        const a = plan.litStart[k]
        const len = plan.litEnd[k] - a
        if (to - start < len) return -1
        for (let j = 0; j < len; j++) if (buf[start + j] !== lits[a + j]) return -1
        i = start + len
        if (i < to && (flags[buf[i]] & S_SPACE) === 0) return -1
        const fl = plan.litFlags[k]
        care |= fl
        if (fl & S_DIGIT && fl & (S_OTHER | S_DELIM)) blockTokens[blockish++] = k
        masks[k] = null
        types[k] = null
        if (op === P_LIT_PARAM) np = this.wholeRange(np, start, i, 'other')
      } else if (op === P_WHOLE && plan.hints[k] !== H_GENERIC && (end = this.fused(buf, start, to, plan.hints[k])) >= 0) {
        // A digits / block id / slash-ip token checked in one pass (what maskScanned would say).
        i = end
        const fl = this.fusedFlags
        care |= fl
        if (fl & S_DIGIT && fl & (S_OTHER | S_DELIM)) blockTokens[blockish++] = k
        const type = this.fusedType
        masks[k] = WILDCARD
        types[k] = type
        np = this.wholeRange(np, start, i, type)
      } else {
        let fl = flags[buf[i]]
        for (i++; i < to; i++) {
          const f = flags[buf[i]]
          if (f & S_SPACE) break
          fl |= f
        }
        care |= fl
        if (fl & S_DIGIT && fl & (S_OTHER | S_DELIM)) blockTokens[blockish++] = k
        // A partly masked token records its inner parameters as it is masked (only maskToken
        // makes a partial mask, so a token that matches the plan's had them recorded).
        const m = this.maskScanned(buf, start, i, fl, op === P_PARTIAL)
        if (op === P_WHOLE) {
          if (m !== WILDCARD) return -1
          const type = this.wholeType
          masks[k] = WILDCARD
          types[k] = type
          np = this.wholeRange(np, start, i, type ?? 'other')
          if (type === null) {
            // As wholeParam: the token's one inner parameter (jk2_init of `jk2_init()`), if any.
            this.maskToken(buf, start, i, true)
            if (this.tpCount > 0) {
              this.paramStart[np - 1] = this.tpStart[0]
              this.paramEnd[np - 1] = this.tpEnd[0]
              this.paramType[np - 1] = this.tpType[0]
            }
          }
        } else {
          if (m !== plan.masks[k]) return -1
          masks[k] = m
          types[k] = null
          np = op === P_PARTIAL_WILD ? this.wholeRange(np, start, i, 'other') : this.recordedParams(np)
        }
      }
      this.kinds[k] = 0
      starts[k] = start
      ends[k] = i
    }
    for (; i < to; i++) {
      const c = buf[i]
      if ((flags[c] & S_SPACE) === 0) return -1
      if (c !== 32) care |= S_CARE
    }
    this.count = n
    this.blockishCount = blockish
    this.ascii = (care & S_HIGH) === 0
    this.needsCare = (care & S_CARE) !== 0
    this.hash = plan.hash
    return np
  }

  // fused(): the scan flags and the type of the token it checked.
  private fusedFlags = 0
  private fusedType: ParamType = 'other'

  /**
   * The one-pass check a whole `<*>` token of the last scan, buf[a, b), can get in a plan: only
   * when its pass decides exactly what scanBytes would (same mask, type and flags).
   */
  private hintFor(k: number): number {
    const s = this.buf
    const f = this.flags
    const a = this.starts[k]
    const b = this.ends[k]
    const type = this.types[k]
    if (allDigits(s, a, b) && this.wholeNumber === WILDCARD) return H_DIGITS
    if (type === 'block' && this.config.block && isBlockId(s, a, b)) return H_BLOCK
    const plain = f[SLASH] === S_SLASH && f[DOT] === S_NUMPUNCT && f[COLON] === S_NUMPUNCT
    if (type === 'ip' && s[a] === SLASH && plain && this.config.path && this.config.ip && isIp(s, a + 1, b)) return H_SLASH_IP
    // A bare dotted quad: numericShape's 'ip' (four parts are never a number).
    if (type === 'ip' && plain && this.config.ip && isIp(s, a, b)) return H_IP
    // What classifyBytes calls a path: '/' and more, no URL scheme, not an /ip.
    if (type === 'path' && s[a] === SLASH && b - a > 1 && plain && this.config.path) return H_PATH
    return H_GENERIC
  }

  /**
   * Checks the token at buf[a, ...) against `hint` in one pass: it must be what the hint says and
   * end at a space or `to`. Returns its end, with its flags and type left in fusedFlags and
   * fusedType; or -1 to take the general path.
   */
  private fused(buf: Buffer, a: number, to: number, hint: number): number {
    let j = a
    if (hint === H_DIGITS) {
      while (j < to && buf[j] >= 48 && buf[j] <= 57) j++
      this.fusedFlags = S_DIGIT
      this.fusedType = 'number'
    } else if (hint === H_BLOCK) {
      if (to - a < 5 || buf[a] !== 98 || buf[a + 1] !== 108 || buf[a + 2] !== 107 || buf[a + 3] !== 95) return -1
      j = a + 4
      const negative = buf[j] === 45
      if (negative) j++
      const d = j
      while (j < to && buf[j] >= 48 && buf[j] <= 57) j++
      if (j === d) return -1
      this.fusedFlags = negative ? this.blockFlagsNegative : this.blockFlags
      this.fusedType = 'block'
    } else if (hint === H_SLASH_IP || hint === H_IP) {
      const slash = hint === H_SLASH_IP
      if (slash && buf[a] !== SLASH) return -1
      j = ipEnd(buf, slash ? a + 1 : a, to)
      if (j < 0) return -1
      // (An ip has dots; `plain` in hintFor: '.' and ':' are S_NUMPUNCT, '/' is S_SLASH.)
      this.fusedFlags = slash ? S_SLASH | S_DIGIT | S_NUMPUNCT : S_DIGIT | S_NUMPUNCT
      this.fusedType = 'ip'
    } else {
      // H_PATH: the token's flags as the scan ORs them; it is a path unless it is a URL or an /ip.
      if (buf[a] !== SLASH) return -1
      const flags = this.flags
      let fl = S_SLASH
      for (j = a + 1; j < to; j++) {
        const f = flags[buf[j]]
        if (f & S_SPACE) break
        fl |= f
      }
      if (j - a < 2) return -1
      if (fl & S_NUMPUNCT && ((this.config.url && hasScheme(buf, a, j)) || (this.config.ip && isIp(buf, a + 1, j)))) return -1
      this.fusedFlags = fl
      this.fusedType = 'path'
    }
    if (j === a || (j < to && (this.flags[buf[j]] & S_SPACE) === 0)) return -1
    return j
  }
}
