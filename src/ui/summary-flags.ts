import {Flags} from '@oclif/core'

// Flag definitions only, so `flare detect` can declare --summarize without loading the explain
// engine and the Anthropic SDK (imported lazily when --summarize is given).
export const PROVIDERS = ['auto', 'anthropic', 'openai-compatible', 'offline'] as const

export const detectSummaryFlags = {
  summarize: Flags.boolean({
    description: 'after detection, explain every incident (Claude when ANTHROPIC_API_KEY is set, else the offline explainer); with -o results.json the summaries are written to results.summaries.json',
  }),
  'llm-provider': Flags.string({description: 'who writes the summaries with --summarize [default: auto]', options: [...PROVIDERS], dependsOn: ['summarize']}),
  'llm-model': Flags.string({description: "LLM model for --summarize [default: the provider's]", dependsOn: ['summarize']}),
  'max-cost': Flags.string({description: 'with --summarize: stop before the summaries would cost more than this many USD', dependsOn: ['summarize']}),
  'llm-timeout': Flags.string({description: 'with --summarize: seconds one incident may take, retries included [default: $FLARE_LLM_TIMEOUT or 120]', dependsOn: ['summarize']}),
}
