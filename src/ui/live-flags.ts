import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../core/errors.js'
import {FORMAT_NAMES} from '../core/ingest/index.js'
import {loadBundle, type ModelBundle} from '../core/model-bundle.js'
import {parseStreamFields} from '../core/sessions/streams.js'
import {parseDuration} from '../core/sessions/window.js'
import type {IncidentEvent} from '../core/stream/contracts.js'
import type {EngineOptions, LiveEngine} from '../core/stream/engine.js'
import type {LiveSummarizer} from '../core/stream/live-summary.js'
import type {TrainFor} from '../core/stream/training.js'
import {parserConfigFlags, parserConfigFromFlags} from './parser-flags.js'
import {err} from './style.js'

/** The engine's flags, shared by `flare collect` and `flare replay`. */
export const liveEngineFlags = {
  model: Flags.string({description: 'score with a saved model folder (flare detect --save-model), or a registered one (models:/flare-detector@champion)', exclusive: ['train-for']}),
  'train-for': Flags.string({description: 'fit a model on the first stretch of the stream, then score: a duration of event time (30m) or a number of records (50000) [default without --model: 50000]'}),
  'save-model': Flags.string({description: 'with --train-for: save the model fitted on the stream to this folder'}),
  format: Flags.string({char: 'f', description: 'log format [default: the model\'s, else detected]', options: ['auto', ...FORMAT_NAMES]}),
  'session-key': Flags.string({description: 'with --train-for: how lines group into sessions', options: ['auto', 'block', 'request', 'pid', 'window']}),
  window: Flags.string({description: 'with --train-for: window length when sessions are time windows (e.g. 5m)'}),
  by: Flags.string({description: 'split time windows into streams: host, component, host,component, none, auto', default: 'auto'}),
  idle: Flags.string({description: "close an id session after this much event time without a line (default: from the model, a little over the longest quiet gap inside a training session; 30m when unknown)"}),
  'max-session': Flags.string({description: 'close an id session this long after its first line', default: '24h'}),
  lateness: Flags.string({description: 'how far event time may run out of order before a line counts as late', default: '30s'}),
  'max-open': Flags.integer({description: 'open sessions at most (the least recently active closes early, counted)', default: 200_000}),
  'incident-gap': Flags.string({description: 'an anomalous session this close (event time) to an open incident with the same signature joins it; quieter incidents resolve', default: '10m'}),
  // Without --model (a model mines with the parser settings it was fitted with, as detect --model does).
  ...parserConfigFlags,
}

export interface LiveEngineFlags {
  model?: string
  'train-for'?: string
  'save-model'?: string
  format?: string
  'session-key'?: string
  window?: string
  by: string
  idle?: string
  'max-session': string
  lateness: string
  'max-open': number
  'incident-gap': string
  config?: string
}

export function parseTrainFor(text: string): TrainFor {
  if (/^\s*\d+\s*$/.test(text)) {
    const records = Number(text)
    if (records < 10) throw new FlareError(`--train-for ${text}: train on at least 10 records`, {exitCode: ExitCode.usage})
    return {records}
  }
  try {
    return {ms: parseDuration(text, '--train-for')}
  } catch (error) {
    // --train-for also takes a number of records, which the duration hint leaves out.
    if (error instanceof FlareError) throw new FlareError(error.message, {exitCode: error.exitCode, hint: 'a stretch of event time (30m, 2h) or a number of records (50000)'})
    throw error
  }
}

/** Engine options from the flags; a registered model is fetched as `flare detect --model` does. */
export async function engineOptionsFrom(flags: LiveEngineFlags): Promise<EngineOptions> {
  const by = parseStreamFields(flags.by)
  if (by === undefined) throw new FlareError(`invalid --by "${flags.by}"`, {exitCode: ExitCode.usage, hint: 'use host, component, host,component, none or auto'})
  if (flags['save-model'] && flags.model) throw new FlareError('--save-model saves a model fitted with --train-for; --model is already saved', {exitCode: ExitCode.usage})
  if (flags.model && (flags['session-key'] || flags.window)) throw new FlareError('--session-key and --window come from the model with --model', {exitCode: ExitCode.usage, hint: 'drop them, or fit on the stream with --train-for'})
  let model: ModelBundle | undefined
  if (flags.model) {
    let dir = flags.model
    if (dir.startsWith('models:/')) {
      const {resolveModelOption} = await import('../tracking/env-client.js')
      dir = await resolveModelOption(dir, (line) => void process.stderr.write(`${err.dim(line)}\n`))
    }
    model = await loadBundle(dir)
  }
  // A bad config file fails before any work (exit 2, naming the key), as in detect.
  const parserConfig = await parserConfigFromFlags(flags)
  const maxOpen = flags['max-open']
  if (!(maxOpen >= 1)) throw new FlareError('--max-open must be at least 1', {exitCode: ExitCode.usage})
  return {
    model,
    trainFor: model ? undefined : parseTrainFor(flags['train-for'] ?? '50000'),
    format: flags.format === 'auto' ? undefined : flags.format,
    parser: parserConfig.parser,
    sessionKey: flags['session-key'] as EngineOptions['sessionKey'],
    windowMs: flags.window ? parseDuration(flags.window, '--window') : undefined,
    by,
    idleMs: flags.idle === undefined ? undefined : parseDuration(flags.idle, '--idle'),
    maxSessionMs: parseDuration(flags['max-session'], '--max-session'),
    latenessMs: parseLateness(flags.lateness),
    maxOpen,
    incidentGapMs: parseDuration(flags['incident-gap'], '--incident-gap'),
  }
}

/** Lateness may be zero (strictly ordered input). */
function parseLateness(text: string): number {
  return /^\s*0+\s*(ms|s|m|h)?\s*$/.test(text) ? 0 : parseDuration(text, '--lateness')
}

/** `--summarize`: the explainer for incidents as they open (offline unless an LLM is configured). */
export async function summarizerFrom(flags: {summarize?: boolean; 'llm-provider'?: string; 'llm-model'?: string; 'llm-base-url'?: string; 'max-cost'?: string; 'llm-timeout'?: string}, onNote?: (note: string) => void): Promise<LiveSummarizer | undefined> {
  if (!flags.summarize) return undefined
  const {parseMaxCost, resolveProvider} = await import('../core/explain/provider-choice.js')
  const {parseTimeoutSeconds} = await import('../core/explain/providers/index.js')
  const {LiveSummarizer} = await import('../core/stream/live-summary.js')
  const deadlineMs = flags['llm-timeout'] ? parseTimeoutSeconds(flags['llm-timeout'], '--llm-timeout') : undefined
  // The same choice as detect and summarize make, --llm-base-url included: incident lines go only
  // to the endpoint the user named.
  const {provider} = resolveProvider({provider: flags['llm-provider'], model: flags['llm-model'], baseURL: flags['llm-base-url'], deadlineMs})
  return new LiveSummarizer(provider, parseMaxCost(flags['max-cost']), onNote)
}

/**
 * Explains an `opened` event in place; later events of the incident carry the explanation (also
 * those the engine made before it was written).
 */
export async function explainOpened(event: IncidentEvent, engine: LiveEngine, summarizer: LiveSummarizer | undefined, signal?: AbortSignal): Promise<void> {
  if (!summarizer) return
  if (event.kind !== 'opened') {
    event.incident.summary ??= summarizer.summaries.get(event.incident.id)
    return
  }
  const summary = await summarizer.explain(event.incident, engine.incidentDetail(event.incident.id), signal)
  if (!summary) return
  event.incident.summary = summary
  engine.annotate(event.incident.id, summary)
}
