/**
 * Masker: the token scanner (scanner.ts) plus the parameters of a scan against a template — the
 * values at its `<*>` positions and inside partly masked tokens such as `size=<*>`, each typed —
 * as strings (params) or as byte ranges into the scanned buffer (paramRanges).
 */
import {
  WILDCARD,
  UNIT,
  allDigits,
  widened,
} from './classify.js'
import type {Param, ParamType} from './config.js'
import {TokenScanner, packed} from './scanner.js'

export class Masker extends TokenScanner {
  /** Parameters of the last paramRanges() call: byte ranges into the scanned buffer, and types. */
  paramStart = new Int32Array(64)
  paramEnd = new Int32Array(64)
  // Filled up front (and on growth): optimised code that stores past an array's end deopts.
  paramType: ParamType[] = packed<ParamType>(64, 'other')

  /**
   * Records the parameters masked inside the partly masked token buf[a, b) (`size=<*>`) from
   * parameter np on; returns the next free index.
   */
  private innerParams(buf: Buffer, a: number, b: number, np: number): number {
    this.maskToken(buf, a, b, true)
    return this.recordedParams(np)
  }

  /** innerParams() for a token masked with its parameters recorded just now. */
  protected recordedParams(np: number): number {
    const found = this.tpCount
    if (np + found > this.paramStart.length) this.growParams(np + found)
    for (let j = 0; j < found; j++) {
      this.paramStart[np] = this.tpStart[j]
      this.paramEnd[np] = this.tpEnd[j]
      this.paramType[np] = this.tpType[j]
      np++
    }
    return np
  }

  /** Records buf[a, b) as parameter np with `type`; returns np + 1. */
  protected wholeRange(np: number, a: number, b: number, type: ParamType): number {
    if (np + 1 > this.paramStart.length) this.growParams(np + 1)
    this.paramStart[np] = a
    this.paramEnd[np] = b
    this.paramType[np] = type
    return np + 1
  }

  /**
   * Typed parameters of `content` against a template of masked tokens: the values at its `<*>`
   * positions and those masked inside partly masked tokens (`size=<*>`). Null when the content
   * does not fit the template. Reuses the last scan when it was of this same string.
   */
  params(content: string, template: readonly string[]): Param[] | null {
    if (this.lastContent !== content) this.scan(content)
    const n = this.paramRanges(template)
    if (n < 0) return null
    const out: Param[] = new Array(n)
    for (let k = 0; k < n; k++) out[k] = {value: this.text(this.paramStart[k], this.paramEnd[k]), type: this.paramType[k]}
    return out
  }

  /**
   * The last scan's parameters against `template`, as byte ranges in paramStart / paramEnd with
   * their paramType. Returns their number, or -1 when the scanned line does not fit the template.
   * `covers`: the caller knows the template's literal tokens equal the line's (its own cluster),
   * so they are not compared again.
   */
  paramRanges(template: readonly string[], covers = false): number {
    const n = this.count
    if (template.length !== n) return -1
    const buf = this.buf
    let np = 0
    for (let k = 0; k < n; k++) {
      const m = this.masks[k]
      const t = template[k]
      const a = this.starts[k]
      const b = this.ends[k]
      if (t === WILDCARD) {
        if (np + 1 > this.paramStart.length) this.growParams(np + 1)
        this.paramStart[np] = a
        this.paramEnd[np] = b
        this.paramType[np] = m === WILDCARD ? this.wholeParam(k, np) : 'other'
        np++
      } else if (m === null) {
        if (!covers && !this.literalEquals(k, t)) return -1
      } else {
        if (m !== t) return -1
        np = this.innerParams(buf, a, b, np)
      }
    }
    return np
  }

  /**
   * The type of a token the last scan masked whole, from the scan when it knows it; otherwise the
   * token is classified again and its parameter (e.g. `jk2_init` of `jk2_init()`) replaces range np.
   */
  private wholeParam(k: number, np: number): ParamType {
    const kind = this.kinds[k]
    if (kind !== 0) return kind === UNIT ? 'number' : 'time'
    const type = this.types[k]
    if (type) return type
    this.maskToken(this.buf, this.starts[k], this.ends[k], true)
    if (this.tpCount === 0) return 'other'
    this.paramStart[np] = this.tpStart[0]
    this.paramEnd[np] = this.tpEnd[0]
    return this.tpType[0]
  }

  private growParams(need: number): void {
    const n = Math.max(need, this.paramStart.length * 2)
    this.paramStart = widened(this.paramStart, n)
    this.paramEnd = widened(this.paramEnd, n)
    while (this.paramType.length < n) this.paramType.push('other')
  }

  /**
   * Fills `out` with the masked tokens of `content` and returns their number (out.length is set).
   * When `params` is given, it receives, per token, the parameters masked inside it (or null);
   * `raw` receives the unmasked tokens.
   */
  tokenize(content: string, out: string[], params?: (Param[] | null)[], raw?: string[]): number {
    const n = this.scan(content)
    this.materialize(out)
    if (raw) {
      for (let k = 0; k < n; k++) raw[k] = this.text(this.starts[k], this.ends[k])
      raw.length = n
    }
    if (params) {
      for (let k = 0; k < n; k++) {
        const a = this.starts[k]
        const b = this.ends[k]
        if (this.masks[k] === null) params[k] = null
        else if (this.kinds[k] !== 0) params[k] = [{value: this.text(a, b), type: this.kinds[k] === UNIT ? 'number' : 'time'}]
        else if (this.masks[k] === WILDCARD && allDigits(this.buf, a, b)) params[k] = [{value: this.text(a, b), type: 'number'}]
        else {
          this.maskToken(this.buf, a, b, true)
          const found: Param[] = []
          for (let j = 0; j < this.tpCount; j++) found.push({value: this.text(this.tpStart[j], this.tpEnd[j]), type: this.tpType[j]})
          params[k] = found.length > 0 ? found : null
        }
      }
      params.length = n
    }
    return n
  }
}
