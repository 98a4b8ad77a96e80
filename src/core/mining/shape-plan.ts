/**
 * Shape plans: what the masker needs to check that a line has one known masked shape without
 * masking it from scratch. A plan lists, per token, whether the shape has it as literal bytes
 * (compared as bytes), as a whole `<*>` or as a partly masked token (classified as the scan
 * would), and where the template the line's parameters are read against has its `<*>`s. A line
 * that fits the plan has exactly the shape's masked tokens, so it maps to the shape's cache
 * entry; a line that does not fit is masked the usual way. See PlanMasker.fitPlan / planFrom and
 * FastMiner's plan cache.
 */
import type {FastCluster} from './fast-miner.js'

/** The shape has a literal token here; so has the template. */
export const P_LIT = 0
/** A literal token in the shape, a `<*>` in the template: the token is a parameter of type other. */
export const P_LIT_PARAM = 1
/** The shape masks the token whole (`<*>`); the template has `<*>` too. */
export const P_WHOLE = 2
/** A partly masked token (`size=<*>`) the template keeps as it is: its inner parameters count. */
export const P_PARTIAL = 3
/** A partly masked token the template turned into `<*>`: the whole token is a parameter. */
export const P_PARTIAL_WILD = 4

/** How a whole `<*>` token of the plan is checked: by the masker's general path ... */
export const H_GENERIC = 0
/** ... or, when the shape had it so, in one pass: as all digits, a whole block id, a /ip[:port], ... */
export const H_DIGITS = 1
export const H_BLOCK = 2
export const H_SLASH_IP = 3
/** ... a bare ip[:port], or a path (a token opening with '/' that is neither a URL nor an /ip). */
export const H_IP = 4
export const H_PATH = 5

export class ShapePlan {
  /** Tokens of the shape. */
  n = 0
  ops = new Uint8Array(16)
  /** The literal tokens' bytes, one after another; token k is lits[litStart[k], litEnd[k]). */
  lits = Buffer.alloc(0)
  litStart = new Int32Array(16)
  litEnd = new Int32Array(16)
  /** Scan flags of each literal token, OR-ed over its bytes (for needsCare, ascii, block tokens). */
  litFlags = new Uint16Array(16)
  /** Per P_WHOLE token: H_GENERIC, or the one-pass check its token in the shape passed. */
  hints = new Uint8Array(16)
  /** The shape's mask at each token (null for a literal). */
  masks: (string | null)[] = [null]
  /** The shape's masked-sequence hash (what scanBytes would leave in Masker.hash). */
  hash = 0

  // Owner bookkeeping (FastMiner): what the plan maps to, and when that was true.
  cluster: FastCluster | null = null
  /** The miner's missCount when the plan was made; see FastMiner.planValid. */
  epoch = -1

  /** Makes room for n tokens. */
  reserve(n: number): void {
    if (this.ops.length >= n) return
    const size = Math.max(n, this.ops.length * 2)
    this.ops = new Uint8Array(size)
    this.litStart = new Int32Array(size)
    this.litEnd = new Int32Array(size)
    this.litFlags = new Uint16Array(size)
    this.hints = new Uint8Array(size)
  }
}
