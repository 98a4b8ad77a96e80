import {ExitCode, FlareError} from '../../errors.js'
import {maskUrl, maskUserinfo} from '../../secrets.js'

/** `kafka://HOST:PORT[,HOST:PORT...]/TOPIC[?group=NAME]`: brokers to bootstrap from, a topic, a consumer group. */
export interface KafkaSpec {
  brokers: string[]
  topic: string
  group?: string
}

export const KAFKA_SPEC_HINT = 'Kafka: kafka://HOST:PORT/TOPIC (several brokers: kafka://H1:P1,H2:P2/TOPIC); as a source add ?group=NAME (instances in one group split the partitions).'

export function isKafkaSpec(spec: string): boolean {
  return /^kafka:\/\//i.test(spec.trim())
}

/** Throws FlareError (exit 2) for a malformed spec; `what` names the flag or role for the message. */
export function parseKafkaSpec(spec: string, what: string): KafkaSpec {
  const m = /^kafka:\/\/([^/?#]+)\/([^?#]+)(?:\?([^#]*))?$/i.exec(spec.trim())
  if (m === null) throw bad(spec, what, 'expected kafka://HOST:PORT/TOPIC')
  const brokers = m[1].split(',').map((b) => b.trim())
  for (const b of brokers) {
    const address = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d{1,5})$/i.exec(b)
    if (address === null) throw bad(spec, what, `broker "${maskUserinfo(b)}" is not HOST:PORT`)
    const port = Number(address[2])
    if (port < 1 || port > 65_535) throw bad(spec, what, `port ${port} is out of range`)
  }
  const topic = decodeURIComponent(m[2])
  // Kafka's own rule for topic names.
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw bad(spec, what, `"${topic}" is not a valid topic name`)
  const query = new URLSearchParams(m[3] ?? '')
  for (const key of query.keys()) if (key !== 'group') throw bad(spec, what, `unknown parameter "${key}"`)
  const group = query.get('group') ?? undefined
  if (group === '') throw bad(spec, what, 'group= needs a name')
  return {brokers, topic, group}
}

function bad(spec: string, what: string, why: string): FlareError {
  return new FlareError(`Bad ${what} "${maskUrl(spec)}": ${why}.`, {exitCode: ExitCode.usage, hint: KAFKA_SPEC_HINT})
}
