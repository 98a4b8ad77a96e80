import {Flags} from '@oclif/core'

// Flag definitions only, so `flare detect` can declare --summarize without loading the explain
// engine and the Anthropic SDK (imported lazily when --summarize is given).
export const PROVIDERS = ['auto', 'anthropic', 'openai-compatible', 'offline'] as const

/**
 * The LLM flags, named the same on every command that explains (detect --summarize, summarize, and
 * the live commands). Each names the environment variable it falls back to.
 */
export function llmFlags(dependsOn?: string[]) {
  const requires = dependsOn ? {dependsOn} : {}
  const after = dependsOn ? `with --${dependsOn[0]}: ` : ''
  // summarize's older names keep working there; detect has its own --model (the detection model)
  const alias = (name: string) => (dependsOn ? {} : {aliases: [name]})
  return {
    'llm-provider': Flags.string({
      ...alias('provider'),
      description: `${after}who writes the summaries [default: auto — $FLARE_PROVIDER if set, else openai-compatible with --llm-base-url, else anthropic when $ANTHROPIC_API_KEY is set, else offline]`,
      options: [...PROVIDERS],
      ...requires,
    }),
    'llm-model': Flags.string({...alias('model'), description: `${after}LLM model [default: $FLARE_MODEL, else the provider's; required for openai-compatible]`, ...requires}),
    'llm-base-url': Flags.string({
      description: `${after}OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama (key: $FLARE_OPENAI_API_KEY or $OPENAI_API_KEY) [default: $FLARE_OPENAI_BASE_URL or $OPENAI_BASE_URL]; Claude's is $ANTHROPIC_BASE_URL`,
      ...requires,
    }),
    'llm-timeout': Flags.string({...alias('timeout'), description: `${after}seconds one incident may take, retries included [default: $FLARE_LLM_TIMEOUT or 120]`, ...requires}),
    'max-cost': Flags.string({description: `${after}stop before the summaries would cost more than this many USD; finished summaries are kept`, ...requires}),
  }
}

export const detectSummaryFlags = {
  summarize: Flags.boolean({
    description: 'after detection, explain every incident (Claude when ANTHROPIC_API_KEY is set, else the offline explainer); with -o results.json the summaries are written to results.summaries.json',
  }),
  ...llmFlags(['summarize']),
}

/** `collect` and `replay`: incidents are explained as they open, and the summary rides on their events. */
export const liveSummaryFlags = {
  summarize: Flags.boolean({
    description: 'explain each incident when it opens (Claude when ANTHROPIC_API_KEY is set, an OpenAI-compatible server with --llm-base-url, else the offline explainer); its events carry the summary',
  }),
  ...llmFlags(['summarize']),
}
