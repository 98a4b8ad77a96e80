import type {Usage} from './schema.js'

/**
 * Prices in USD per million tokens, from https://platform.claude.com/docs/en/about-claude/pricing
 * (checked 2026-11). `cache_write` is the 5-minute ephemeral cache write (the only kind Flare
 * uses). Update this table, and only this table, when prices change.
 *
 * A model id matches an entry exactly or with a `-YYYYMMDD` snapshot suffix. Any other model has
 * no price: cost is reported as unknown (null), never guessed from a family name.
 */
export interface ModelPrice {
  input: number
  output: number
  cache_write: number
  cache_read: number
  /** Prompt-length tier: a request whose prompt (input + cache reads + writes) exceeds `threshold_tokens` pays these rates on every token. */
  long_prompt?: {threshold_tokens: number; input: number; output: number; cache_write: number; cache_read: number}
}

const OPUS_45_TO_5: ModelPrice = {input: 5, output: 25, cache_write: 6.25, cache_read: 0.5}
const OPUS_4_LEGACY: ModelPrice = {input: 15, output: 75, cache_write: 18.75, cache_read: 1.5}
const SONNET_4: ModelPrice = {input: 3, output: 15, cache_write: 3.75, cache_read: 0.3}

export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Opus family
  'claude-opus-5-5': {input: 4, output: 20, cache_write: 5, cache_read: 0.2},
  'claude-opus-5': OPUS_45_TO_5,
  'claude-opus-4-8': OPUS_45_TO_5,
  'claude-opus-4-7': OPUS_45_TO_5,
  'claude-opus-4-6': OPUS_45_TO_5,
  'claude-opus-4-5': OPUS_45_TO_5,
  'claude-opus-4-1': OPUS_4_LEGACY,
  'claude-opus-4-0': OPUS_4_LEGACY,
  // Sonnet family
  'claude-sonnet-5-5': {input: 2, output: 10, cache_write: 2.5, cache_read: 0.1},
  'claude-sonnet-5': {input: 2, output: 10, cache_write: 2.5, cache_read: 0.2},
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4-0': SONNET_4,
  // Haiku family
  'claude-haiku-5-5': {
    input: 0.1,
    output: 0.5,
    cache_write: 0.125,
    cache_read: 0.01,
    long_prompt: {threshold_tokens: 100_000, input: 0.5, output: 2.5, cache_write: 0.625, cache_read: 0.05},
  },
  'claude-haiku-4-5': {input: 1, output: 5, cache_write: 1.25, cache_read: 0.1},
  'claude-3-5-haiku': {input: 0.8, output: 4, cache_write: 1, cache_read: 0.08},
}

export function priceFor(model: string, table: Readonly<Record<string, ModelPrice>> = MODEL_PRICES): ModelPrice | undefined {
  if (table[model]) return table[model]
  const undated = model.replace(/-\d{8}$/, '')
  return table[undated]
}

/** Cost of one call in USD, or null when the model has no price. */
export function costOf(price: ModelPrice | undefined, usage: Usage): number | null {
  if (!price) return null
  const prompt = usage.input_tokens + usage.cache_read + usage.cache_write
  const rates = price.long_prompt && prompt > price.long_prompt.threshold_tokens ? price.long_prompt : price
  const dollars =
    usage.input_tokens * rates.input +
    usage.output_tokens * rates.output +
    usage.cache_write * rates.cache_write +
    usage.cache_read * rates.cache_read
  return round6(dollars / 1_000_000)
}

export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

/**
 * Token estimate without a tokenizer: ~3.5 characters per token for English mixed with log
 * text (ids, numbers and punctuation tokenize worse than prose). Deliberately on the high side
 * so budget checks err towards stopping early.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5)
}

export const ZERO_USAGE: Usage = Object.freeze({input_tokens: 0, output_tokens: 0, cache_read: 0, cache_write: 0})

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read: a.cache_read + b.cache_read,
    cache_write: a.cache_write + b.cache_write,
  }
}
