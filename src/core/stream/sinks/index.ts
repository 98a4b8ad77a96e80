import {ExitCode, FlareError} from '../../errors.js'
import type {OutputSpec} from '../../io/output.js'
import {maskSecrets} from '../../explain/redact.js'
import {maskUrlPath, scrubDeep} from '../../secrets.js'
import type {EventSink, IncidentEvent} from '../contracts.js'
import {KafkaSink} from '../kafka/kafka-sink.js'
import {isKafkaSpec, parseKafkaSpec, type KafkaSpec} from '../kafka/spec.js'
import {JsonlSink} from './jsonl-sink.js'
import {WebhookSink, type WebhookOptions} from './webhook-sink.js'

export {JsonlSink} from './jsonl-sink.js'
export {WebhookSink, type WebhookOptions} from './webhook-sink.js'
export {eventHeadline} from './webhook-format.js'
export {KafkaSink, eventId, incidentKey} from '../kafka/kafka-sink.js'

export interface SinkOptions {
  onNote?: (note: string) => void
  /** Overrides for the webhook sinks (retries, timeouts, rate), mostly for tests. */
  webhook?: Omit<WebhookOptions, 'format' | 'onNote'>
}

export const SINK_SPEC_HINT = 'Sinks: jsonl:PATH (incident events, one JSON object a line), webhook:URL (generic JSON POST), slack:URL (a Slack incoming webhook), kafka://HOST:PORT/TOPIC (one record per event, keyed by incident).'

export type SinkSpec = {kind: 'jsonl'; path: string} | {kind: 'webhook' | 'slack'; url: string} | {kind: 'kafka'; kafka: KafkaSpec}

export function parseSinkSpec(spec: string): SinkSpec {
  if (isKafkaSpec(spec)) {
    const kafka = parseKafkaSpec(spec, 'sink')
    if (kafka.group !== undefined) throw badSpec(spec, 'a kafka sink takes no group')
    return {kind: 'kafka', kafka}
  }
  const colon = spec.indexOf(':')
  const kind = colon < 0 ? '' : spec.slice(0, colon).toLowerCase()
  const rest = spec.slice(colon + 1).trim()
  if (kind === 'jsonl') {
    if (rest === '') throw badSpec(spec, 'jsonl: needs a file path')
    return {kind: 'jsonl', path: rest}
  }
  if (kind === 'webhook' || kind === 'slack') {
    let url: URL
    try {
      url = new URL(rest)
    } catch {
      throw badSpec(spec, `${kind}: needs an http(s) URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badSpec(spec, `${kind}: needs an http(s) URL`)
    return {kind, url: rest}
  }
  throw badSpec(spec, 'unknown sink kind')
}

/**
 * An incident event as it may leave the engine — shown on the terminal, printed by --json, sent
 * to any sink: the keys Flare is configured with scrubbed, and credentials, card numbers and SSNs
 * that log lines carry masked in its sample lines, title and summary (`password=<SECRET_1>`).
 * The one place `collect` and `replay` mask events, so no sink or printer sees a raw one.
 */
export function outwardEvent(event: IncidentEvent, secrets: readonly string[]): IncidentEvent {
  return maskSecrets(scrubDeep(event, secrets))
}

/** Sends one event to every sink; waits for the durable ones, not for background ones (webhooks). */
export async function sendToSinks(sinks: readonly EventSink[], event: IncidentEvent): Promise<void> {
  await Promise.all(sinks.map((s) => (s.background ? void s.send(event).catch(() => {}) : s.send(event))))
}

/** The files the jsonl: sinks of `specs` append to, as outputs to check against the inputs before a run. */
export function sinkOutputs(specs: readonly string[] | undefined): OutputSpec[] {
  return (specs ?? []).map(parseSinkSpec).flatMap((s) => (s.kind === 'jsonl' ? [{path: s.path, flag: '--sink'}] : []))
}

/** specs: 'jsonl:PATH', 'webhook:URL', 'slack:URL', 'kafka://H:P/TOPIC'. Throws FlareError (exit 2) for a bad spec or an unwritable file. */
export async function openSinks(specs: string[], options: SinkOptions = {}): Promise<EventSink[]> {
  const parsed = specs.map(parseSinkSpec)
  const sinks: EventSink[] = []
  try {
    for (const spec of parsed) {
      if (spec.kind === 'jsonl') sinks.push(await JsonlSink.open(spec.path, options.onNote))
      else if (spec.kind === 'kafka') sinks.push(await KafkaSink.open(spec.kafka, options.onNote))
      else sinks.push(new WebhookSink(spec.url, {...options.webhook, format: spec.kind === 'slack' ? 'slack' : 'json', onNote: options.onNote}))
    }
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.close()))
    throw error
  }
  return sinks
}

function badSpec(spec: string, why: string): FlareError {
  // Any spec may hold a webhook secret (in its login, path or query): only kind, scheme and host are echoed.
  const shown = maskUrlPath(spec)
  const bareUrl = /^\s*https?:\/\//i.test(spec)
  const hint = bareUrl ? `Prefix the URL with its kind: slack:${shown} for a Slack incoming webhook, webhook:${shown} for a generic JSON POST.` : SINK_SPEC_HINT
  return new FlareError(`Bad sink "${shown}": ${why}.`, {exitCode: ExitCode.usage, hint})
}
