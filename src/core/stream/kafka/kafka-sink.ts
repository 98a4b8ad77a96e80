import {createHash} from 'node:crypto'
import {Partitioners, type Producer} from 'kafkajs'
import type {EventSink, EventSinkStats, IncidentEvent} from '../contracts.js'
import {kafkaClient, kafkaUnreachable} from './client.js'
import type {KafkaSpec} from './spec.js'

/**
 * Ids that do not depend on which instance raised an incident or how often a session was
 * delivered: the incident is known by its first anomalous session (signature and first event
 * time), an event by that plus its kind and how far the incident had grown. A session scored again
 * after a crash raises the same ids, so a consumer that drops ids it has seen never counts it twice.
 */
export function incidentKey(event: IncidentEvent): string {
  const i = event.incident
  return digest(`${i.signature.join(',')}|${i.firstSeen}`)
}

export function eventId(event: IncidentEvent): string {
  const i = event.incident
  return digest(`${incidentKey(event)}|${event.kind}|${i.lastSeen}|${i.sessions}`)
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24)
}

/**
 * `--sink kafka://HOST:PORT/TOPIC`: each incident event becomes one record keyed by its incident
 * (its events stay in order in one partition), the JSON of the event plus `event_id` and
 * `incident_key`, also as headers.
 */
export class KafkaSink implements EventSink {
  readonly name: string
  private readonly counts: EventSinkStats = {delivered: 0, failed: 0, suppressed: 0}

  private constructor(private readonly producer: Producer, private readonly spec: KafkaSpec, private readonly onNote?: (note: string) => void) {
    this.name = `kafka ${spec.topic}`
  }

  static async open(spec: KafkaSpec, onNote?: (note: string) => void): Promise<KafkaSink> {
    const producer = kafkaClient(spec.brokers, 'flare-incidents', onNote).producer({createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false})
    try {
      await producer.connect()
    } catch (error) {
      throw kafkaUnreachable(spec.brokers, error)
    }
    return new KafkaSink(producer, spec, onNote)
  }

  async send(event: IncidentEvent): Promise<void> {
    const key = incidentKey(event)
    const id = eventId(event)
    try {
      await this.producer.send({
        topic: this.spec.topic,
        acks: -1,
        messages: [{key, value: JSON.stringify({event_id: id, incident_key: key, ...event}), headers: {'flare-event-id': id, 'flare-incident-key': key}}],
      })
      this.counts.delivered++
    } catch (error) {
      this.counts.failed++
      this.onNote?.(`kafka sink ${this.spec.topic}: event not delivered: ${(error as Error).message}`)
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {})
  }

  stats(): EventSinkStats {
    return {...this.counts}
  }
}
