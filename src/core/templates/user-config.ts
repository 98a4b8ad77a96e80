/**
 * The user's parser settings: `flare.config.json` in the current folder, or the file given with
 * --config. Only what the file says changes; the measured defaults stay for everything else.
 * This module is the schema; mining/parser-config-file.ts reads and writes the file.
 *
 *   {
 *     "drain": {"simThreshold": 0.5, "depth": 4, "maxChildren": 100, "maxClusters": 100000},
 *     "masking": [{"regex": "req-[0-9a-f]{8}", "mask": "REQ"}],
 *     "extraDelimiters": ["_"]
 *   }
 */
import * as z from '../zod.js'
import {ExitCode, FlareError} from '../errors.js'
import type {TemplateMinerOptions} from './config.js'

export const DEFAULT_CONFIG_FILE = 'flare.config.json'

/** The message of the SyntaxError `new RegExp(source)` throws, or undefined when it compiles. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source, 'g')
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

const ruleSchema = z.strictObject({
  regex: z.string().min(1, 'empty regular expression').superRefine((source, ctx) => {
    const why = regexError(source)
    if (why !== undefined) ctx.addIssue({code: 'custom', message: why})
  }),
  mask: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'a name of letters, digits and _ (e.g. IP, NUM, REQ_ID)'),
})

export const drainSettingsSchema = z.strictObject({
  simThreshold: z.number().min(0).max(1).optional(),
  depth: z.number().int().min(3).max(32).optional(),
  maxChildren: z.number().int().min(2).max(100_000).optional(),
  maxClusters: z.number().int().min(0).optional(),
})

export type DrainSettings = z.infer<typeof drainSettingsSchema>

export const userConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  drain: drainSettingsSchema.optional(),
  masking: z.array(ruleSchema).max(200).optional(),
  extraDelimiters: z
    .array(z.string().min(1).max(16).refine((d) => !/\s/.test(d), 'whitespace already separates tokens'))
    .max(64)
    .optional(),
})

export type UserConfig = z.infer<typeof userConfigSchema>

/** The file is read by mining/parser-config-file.ts: nothing here touches the file system. */
export interface LoadedUserConfig {
  /** The file read, or undefined when there was none. */
  path?: string
  config: UserConfig
  /** What the miner takes (TemplateMinerOptions: only the keys the file set). */
  parser: TemplateMinerOptions
}

/** `masking[2].regex`-style path of a zod issue. */
function keyOf(path: readonly PropertyKey[]): string {
  let key = ''
  for (const p of path) key += typeof p === 'number' ? `[${p}]` : key === '' ? String(p) : `.${String(p)}`
  return key || '(root)'
}

export function usage(message: string, hint?: string): FlareError {
  return new FlareError(message, {exitCode: ExitCode.usage, hint})
}

/** Validates a parsed config object; throws FlareError (exit 2) naming the offending key. */
export function parseUserConfig(value: unknown, source: string): UserConfig {
  const result = userConfigSchema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path
  const message = issue.code === 'unrecognized_keys' ? `unknown key (the keys are ${knownKeys(issue.path)})` : issue.message
  throw usage(`${source}: ${keyOf(path)}: ${message}`, 'see "Parser configuration" in the README for the keys and their ranges')
}

function knownKeys(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'drain, masking, extraDelimiters'
  if (path[0] === 'drain') return 'simThreshold, depth, maxChildren, maxClusters'
  return 'regex, mask'
}

export function parserOptions(config: UserConfig): TemplateMinerOptions {
  const options: TemplateMinerOptions = {}
  if (config.drain) {
    const drain = Object.fromEntries(Object.entries(config.drain).filter(([, v]) => v !== undefined))
    if (Object.keys(drain).length > 0) options.drain = drain
  }
  if (config.masking) options.rules = config.masking.map((r) => ({regex: r.regex, mask: r.mask}))
  if (config.extraDelimiters) options.extraDelimiters = [...config.extraDelimiters]
  return options
}
