import * as z from '../zod.js'

/**
 * Building blocks for the per-detector schemas of a saved model (detector.json). A model file is
 * untrusted input: every field a detector reads back is checked here — type, range, array length,
 * column index — so a damaged or hand-edited file is refused with "invalid model: …" instead of
 * failing deep inside a detector or, worse, scoring something else without a word.
 */

/** A finite number (zod 4 rejects NaN and ±Infinity). */
export const finite = z.number()
export const finiteArray = z.array(finite)
export const count = z.number().int().nonnegative()
export const positiveInt = z.number().int().positive()
/** A seed as mulberry32 takes it: any 32-bit integer. */
export const seed = z.number().int().min(-(2 ** 31)).max(2 ** 32 - 1)
/** The shared hyper-parameter: null, or a share in (0, 0.5]. */
export const contamination = z.number().gt(0).max(0.5).nullable()
/** Features a model was fitted on: at least one, and not absurdly many for a JSON file. */
export const nFeatures = z.number().int().min(1).max(1_000_000)

type Ctx = z.core.$RefinementCtx

/** Reports a length mismatch at `path` unless `actual === expected`; true when they match. */
export function expectLength(ctx: Ctx, path: Array<string | number>, actual: number, expected: number): boolean {
  if (actual === expected) return true
  ctx.addIssue({code: 'custom', path, message: `has ${actual} entries, expected ${expected}`})
  return false
}

/** Reports the first entry of `values` outside [lo, hi] (integers) at `path`. */
export function expectIndices(ctx: Ctx, path: Array<string | number>, values: readonly number[], lo: number, hi: number): boolean {
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < lo || v > hi)
  if (bad < 0) return true
  ctx.addIssue({code: 'custom', path: [...path, bad], message: `index ${values[bad]} is outside ${lo}..${hi}`})
  return false
}

/**
 * The whole saved detector: name, version, params, threshold, state. `threshold` may be
 * constrained further by the detector (e.g. isolation-forest scores lie in (0, 1]).
 */
export function savedDetector<P extends z.ZodType, S extends z.ZodType>(name: string, params: P, state: S, threshold: z.ZodType<number> = finite) {
  return z.object({
    name: z.literal(name),
    version: z.literal(1),
    params,
    threshold,
    thresholdRule: z.string(),
    state,
  })
}

/** A zod error as one line: the first few issues with their paths. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.')
      return path ? `${path}: ${i.message}` : i.message
    })
    .join('; ')
}
