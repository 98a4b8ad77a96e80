/**
 * Validation of a saved miner state (see state.ts): zod schema and a parser that throws FlareError.
 */
import * as z from '../zod.js'

import {ExitCode, FlareError} from '../errors.js'
import {TEMPLATE_STATE_VERSION, type TemplateState} from './state.js'
import {regexError} from './user-config.js'

const drainSchema = z.object({
  depth: z.number().int().min(3).max(32),
  simThreshold: z.number().min(0).max(1),
  maxChildren: z.number().int().min(1),
  maxClusters: z.number().int().min(0),
  parametrizeNumericTokens: z.boolean(),
})

const maskingSchema = z.object({
  ip: z.boolean(),
  host: z.boolean(),
  number: z.boolean(),
  hex: z.boolean(),
  uuid: z.boolean(),
  path: z.boolean(),
  block: z.boolean(),
  url: z.boolean(),
  email: z.boolean(),
  time: z.boolean(),
  units: z.boolean(),
  digitSegments: z.boolean(),
  delimiters: z.string().max(64),
})

export const templateStateSchema = z.object({
  version: z.literal(TEMPLATE_STATE_VERSION),
  config: z.object({
    drain: drainSchema,
    masking: maskingSchema,
    extractParams: z.boolean(),
    cacheSize: z.number().int().min(0),
    // Older states have neither: no user rules, no extra delimiters.
    rules: z.array(z.object({regex: z.string().refine((r) => regexError(r) === undefined, 'not a valid regular expression'), mask: z.string()})).default([]),
    extraDelimiters: z.array(z.string()).default([]),
  }),
  /** Next numeric id to hand out; ids are never reused, even after eviction. */
  nextId: z.number().int().min(1),
  /** Clusters from least to most recently used. */
  clusters: z.array(
    z.object({
      id: z.string().regex(/^T[1-9]\d*$/),
      template: z.string(),
      count: z.number().int().min(0),
    }),
  ),
}) satisfies z.ZodType<TemplateState>

export function parseTemplateState(input: unknown): TemplateState {
  const version = (input as {version?: unknown} | null)?.version
  if (version !== undefined && version !== TEMPLATE_STATE_VERSION) {
    throw new FlareError(`Template state has version ${String(version)}; this Flare reads version ${TEMPLATE_STATE_VERSION}.`, {
      exitCode: ExitCode.badInput,
      hint: 'Re-run the parse without the old state file to rebuild it.',
    })
  }
  const result = templateStateSchema.safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new FlareError(`Template state is not valid: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      exitCode: ExitCode.badInput,
      hint: 'The state file may be truncated or from another tool; remove it to start fresh.',
    })
  }
  return result.data
}
