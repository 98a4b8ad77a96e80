/**
 * The user's own masking, before the built-in masker sees a line: regex rules whose matches become
 * `<*>` (Drain3's masking instructions), then extra delimiters split on like whitespace (Drain3's
 * extra_delimiters). Built only when a config asks for either, so the default path stays as it is.
 * The values a rule masked are put back into the line's parameters (fillParams), in line order.
 */
import {WILDCARD, type Param, type ParamType} from './masking/index.js'

export interface MaskingRule {
  /** JavaScript regular expression source (no slashes); applied with the `g` flag. */
  regex: string
  /** The type the match masks to, e.g. IP, NUM, ID (Drain3's mask_with). */
  mask: string
}

/** Mask names that read as one of Flare's parameter types; any other name types as 'other'. */
const TYPE_OF_MASK: Record<string, ParamType> = {
  ip: 'ip', host: 'host', num: 'number', number: 'number', int: 'number', float: 'number', hex: 'hex',
  uuid: 'uuid', path: 'path', file: 'path', block: 'block', blk: 'block', url: 'url', uri: 'url',
  email: 'email', mail: 'email', time: 'time', date: 'time', datetime: 'time', timestamp: 'time',
}

export function paramTypeOfMask(mask: string): ParamType {
  return TYPE_OF_MASK[mask.toLowerCase()] ?? 'other'
}

interface Masked {
  /** Byte offset of the `<*>` in the prepared line. */
  at: number
  value: string
  type: ParamType
}

export class LinePreprocessor {
  private readonly rules: Array<{re: RegExp; type: ParamType}>
  private readonly delimiters: string[]
  /** The last prepare(): its input, output and the values the rules masked in it. */
  private lastInput: string | null = null
  private lastOutput = ''
  private masked: Masked[] = []

  constructor(rules: readonly MaskingRule[], extraDelimiters: readonly string[]) {
    this.rules = rules.map((r) => ({re: new RegExp(r.regex, 'g'), type: paramTypeOfMask(r.mask)}))
    this.delimiters = extraDelimiters.filter((d) => d.length > 0)
  }

  static needed(config: {rules: readonly MaskingRule[]; extraDelimiters: readonly string[]}): boolean {
    return config.rules.length > 0 || config.extraDelimiters.length > 0
  }

  /** The line as the masker is to see it. */
  prepare(content: string): string {
    if (content === this.lastInput) return this.lastOutput
    // Each rule runs over the literal pieces the previous rules left, so a `<*>` is never re-matched.
    let pieces: Array<string | {value: string; type: ParamType}> = [content]
    for (const {re, type} of this.rules) {
      const next: typeof pieces = []
      for (const piece of pieces) {
        if (typeof piece !== 'string') {
          next.push(piece)
          continue
        }
        let last = 0
        re.lastIndex = 0
        for (let m = re.exec(piece); m !== null; m = re.exec(piece)) {
          if (m[0].length === 0) {
            re.lastIndex++
            continue
          }
          if (m.index > last) next.push(piece.slice(last, m.index))
          next.push({value: m[0], type})
          last = m.index + m[0].length
        }
        if (last < piece.length) next.push(piece.slice(last))
      }
      pieces = next
    }
    let out = ''
    let bytes = 0
    const masked: Masked[] = []
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        const text = this.split(piece)
        out += text
        bytes += Buffer.byteLength(text)
      } else {
        masked.push({at: bytes, value: piece.value, type: piece.type})
        out += WILDCARD
        bytes += WILDCARD.length
      }
    }
    this.lastInput = content
    this.lastOutput = out
    this.masked = masked
    return out
  }

  private split(text: string): string {
    for (const d of this.delimiters) if (text.includes(d)) text = text.split(d).join(' ')
    return text
  }

  /**
   * The parameters of `content` given the masker's ranges over its prepared form (byte offsets):
   * a range holding rule-masked `<*>`s gets their values back; a rule-masked `<*>` inside a literal
   * token (`id=<*>`) is a parameter of its own. Everything stays in line order.
   */
  fillParams(content: string, count: number, starts: ArrayLike<number>, ends: ArrayLike<number>, types: readonly ParamType[]): Param[] {
    const prepared = Buffer.from(this.prepare(content))
    const masked = this.masked
    const out: Param[] = []
    let m = 0
    for (let k = 0; k < count; k++) {
      const a = starts[k]
      const b = ends[k]
      while (m < masked.length && masked[m].at < a) out.push(paramOf(masked[m++]))
      if (m < masked.length && masked[m].at < b) {
        let value = ''
        let type: ParamType | undefined
        let p = a
        while (m < masked.length && masked[m].at < b) {
          value += prepared.toString('utf8', p, masked[m].at) + masked[m].value
          type ??= masked[m].type
          p = masked[m].at + WILDCARD.length
          m++
        }
        value += prepared.toString('utf8', p, b)
        out.push({value, type: type ?? types[k]})
      } else out.push({value: prepared.toString('utf8', a, b), type: types[k]})
    }
    while (m < masked.length) out.push(paramOf(masked[m++]))
    return out
  }
}

function paramOf(m: Masked): Param {
  return {value: m.value, type: m.type}
}
