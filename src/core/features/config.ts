import * as z from '../zod.js'

/**
 * Feature sets, selectable by name:
 * - counts:   per-template event counts (one column per vocabulary template)
 * - tfidf:    the same counts weighted by the template's inverse session frequency
 * - presence: 1 when the session contains the template at all
 * - extras:   what counts alone miss: events, distinct templates, events and distinct templates
 *             never seen in training, error and warning counts, duration and inter-arrival stats
 * - bigrams:  counts of the most common template → template transitions seen in training
 * - unseen:   one column, the events whose template the vocabulary lacks (0 in every training
 *             session; what a model fitted on known-good data needs to see new templates at all)
 */
export const FeatureSetName = z.enum(['counts', 'tfidf', 'presence', 'extras', 'bigrams', 'unseen'])
export type FeatureSetName = z.infer<typeof FeatureSetName>

/** log1p damps long sessions so one busy block does not look like an outlier by size alone. */
export const FeatureTransform = z.enum(['none', 'log1p'])
export type FeatureTransform = z.infer<typeof FeatureTransform>

/** One block of columns: the sets, in order, under one transform. */
export const FeatureBlock = z.object({
  sets: z.array(FeatureSetName).min(1),
  transform: FeatureTransform,
  maxBigrams: z.number().int().nonnegative(),
})
export type FeatureBlock = z.infer<typeof FeatureBlock>

/** The features of one ensemble member; `detector` prefixes its column names. */
export const MemberFeatures = FeatureBlock.extend({detector: z.string().min(1)})
export type MemberFeatures = z.infer<typeof MemberFeatures>

/**
 * What a detector is fitted on. Usually one block. An ensemble whose members want different
 * features sets `members`: the matrix is then each member's block side by side, member k reading
 * block k, and `transform` says 'per-member' (`sets` and `maxBigrams` summarise the members, for
 * logs). Saved in every model bundle, so a reloaded ensemble scores each member on its own block.
 */
export const FeatureConfig = z
  .object({
    sets: z.array(FeatureSetName).min(1),
    transform: z.enum(['none', 'log1p', 'per-member']),
    maxBigrams: z.number().int().nonnegative(),
    members: z.array(MemberFeatures).min(1).optional(),
  })
  .refine((c) => (c.transform === 'per-member') === (c.members !== undefined), {message: "transform 'per-member' goes with a members list, and only with one"})
export type FeatureConfig = z.infer<typeof FeatureConfig>

/** Damped counts plus the extra columns: what the geometric detectors prefer (bench/detectors.mjs). */
export const DEFAULT_FEATURES: FeatureConfig = {sets: ['counts', 'extras'], transform: 'log1p', maxBigrams: 64}

/** Raw integer counts: what detectors of integer relations or template rarity need. */
export const RAW_COUNTS: FeatureConfig = {sets: ['counts'], transform: 'none', maxBigrams: 64}

/**
 * One config for members fitted on `perMember` features: the shared block when all want the
 * same, else a 'per-member' config with one block each.
 */
export function combineMemberFeatures(perMember: ReadonlyArray<{detector: string; features: FeatureConfig}>): FeatureConfig {
  const blocks = perMember.map(({detector, features}) => {
    if (features.members) throw new RangeError(`ensemble member ${detector} has per-member features of its own`)
    return {detector, sets: features.sets, transform: features.transform as FeatureTransform, maxBigrams: features.maxBigrams}
  })
  const first = blocks[0]
  const same = (b: FeatureBlock): boolean => b.transform === first.transform && b.maxBigrams === first.maxBigrams && b.sets.join() === first.sets.join()
  if (blocks.every(same)) return {sets: first.sets, transform: first.transform, maxBigrams: first.maxBigrams}
  const sets = [...new Set(blocks.flatMap((b) => b.sets))]
  return {sets, transform: 'per-member', maxBigrams: Math.max(...blocks.map((b) => b.maxBigrams)), members: blocks}
}

/** A user's changes to a detector's recommended features (`flare detect --features/--transform`). */
export interface FeatureEdits {
  sets?: FeatureSetName[]
  transform?: FeatureTransform
}

/** The recommendation with the user's sets and transform (resolveFeatures then applies them to every member). */
export function editedFeatures(recommended: FeatureConfig, edits: FeatureEdits = {}): FeatureConfig {
  return {...recommended, sets: edits.sets ?? recommended.sets, transform: edits.transform ?? recommended.transform}
}

/**
 * The config to build, given one that may have been edited after it was recommended (`flare detect
 * --features/--transform` spread over the recommendation): a per-member config whose sets or
 * transform were changed loses its members, so the user's choice applies to every member.
 */
export function resolveFeatures(config: FeatureConfig): FeatureConfig {
  if (!config.members) return config
  const union = [...new Set(config.members.flatMap((b) => b.sets))]
  if (config.transform === 'per-member' && config.sets.join() === union.join()) return config
  const {members: _members, ...rest} = config
  return {...rest, transform: rest.transform === 'per-member' ? DEFAULT_FEATURES.transform : rest.transform}
}

/** Each block of a config with the prefix of its column names ('' for a single block). */
export function featureBlocks(config: FeatureConfig): Array<{prefix: string; block: FeatureBlock}> {
  if (!config.members) return [{prefix: '', block: {sets: config.sets, transform: config.transform as FeatureTransform, maxBigrams: config.maxBigrams}}]
  const seen = new Map<string, number>()
  return config.members.map(({detector, ...block}) => {
    const n = (seen.get(detector) ?? 0) + 1
    seen.set(detector, n)
    return {prefix: `${n === 1 ? detector : `${detector}#${n}`}/`, block}
  })
}
