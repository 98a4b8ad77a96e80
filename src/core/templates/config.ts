/**
 * Template-mining configuration with named defaults, and the per-format defaults the pipeline
 * picks from the ingest format name.
 */
import {type DrainConfig, defaultDrainConfig} from './drain.js'
import {type MaskingConfig, defaultMaskingConfig} from './masking/index.js'
import type {MaskingRule} from './preprocess.js'

export interface TemplateMinerConfig {
  drain: DrainConfig
  masking: MaskingConfig
  /** Make add() return typed parameters (a second scan and some allocation per line). */
  extractParams: boolean
  /** Entries in the masked-line → template cache that skips the tree for repeated shapes. */
  cacheSize: number
  /** The user's masking rules (a config file's `masking`), applied before the built-in masking. */
  rules: MaskingRule[]
  /** Strings split on like whitespace (a config file's `extraDelimiters`, Drain3's extra_delimiters). */
  extraDelimiters: string[]
}

export interface TemplateMinerOptions {
  drain?: Partial<DrainConfig>
  masking?: Partial<MaskingConfig>
  extractParams?: boolean
  cacheSize?: number
  rules?: MaskingRule[]
  extraDelimiters?: string[]
}

export const defaultTemplateMinerConfig: Readonly<TemplateMinerConfig> = Object.freeze({
  drain: defaultDrainConfig,
  masking: defaultMaskingConfig,
  extractParams: false,
  cacheSize: 50_000,
  rules: [],
  extraDelimiters: [],
})

export type FormatName = 'hdfs' | 'syslog' | 'openssh' | 'bgl' | 'jsonl' | 'generic'

/**
 * Per-format overrides on top of the defaults. They are deliberately few: the masking and the
 * similarity are generic, and the formats only differ where their messages do.
 */
export const formatDefaults: Readonly<Record<FormatName, TemplateMinerOptions>> = Object.freeze({
  hdfs: {},
  syslog: {},
  openssh: {},
  bgl: {},
  jsonl: {},
  generic: {},
})

/** Full config for a format name (unknown names get the generic defaults), with overrides on top. */
export function configForFormat(format: string | undefined, overrides: TemplateMinerOptions = {}): TemplateMinerConfig {
  const base = (format && (formatDefaults as Record<string, TemplateMinerOptions>)[format]) || formatDefaults.generic
  return resolveConfig(mergeOptions(base, overrides))
}

export function mergeOptions(a: TemplateMinerOptions, b: TemplateMinerOptions): TemplateMinerOptions {
  return {
    drain: {...a.drain, ...b.drain},
    masking: {...a.masking, ...b.masking},
    extractParams: b.extractParams ?? a.extractParams,
    cacheSize: b.cacheSize ?? a.cacheSize,
    rules: b.rules ?? a.rules,
    extraDelimiters: b.extraDelimiters ?? a.extraDelimiters,
  }
}

export function resolveConfig(options: TemplateMinerOptions = {}): TemplateMinerConfig {
  const d = defaultTemplateMinerConfig
  return {
    drain: {...d.drain, ...options.drain},
    masking: {...d.masking, ...options.masking},
    extractParams: options.extractParams ?? d.extractParams,
    cacheSize: options.cacheSize ?? d.cacheSize,
    rules: options.rules ?? d.rules,
    extraDelimiters: options.extraDelimiters ?? d.extraDelimiters,
  }
}
