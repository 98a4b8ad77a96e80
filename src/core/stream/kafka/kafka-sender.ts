import {Partitioners, type Producer} from 'kafkajs'
import {RecordAssembler, type LogRecord} from '../../ingest/index.js'
import type {LineSender} from '../senders.js'
import {kafkaClient, kafkaUnreachable} from './client.js'
import type {KafkaSpec} from './spec.js'

/** Records gathered into one produce request. */
const BATCH = 4096

/**
 * The key a line is produced with, so one session always lands in one partition (and so in one
 * Flare instance): its record's session id (an HDFS block, a request id), else its host (windowed
 * logs split by host), else one constant key — a windowed log without hosts must stay whole.
 */
export function sessionKeyOf(record: LogRecord): string {
  return record.sessionKeys[0] ?? record.host ?? 'flare'
}

/**
 * `replay --to kafka://…/TOPIC`: each line becomes one record keyed by its session. Lines are
 * parsed with the batch ingest (the format detected on the first lines, as collect will), and a
 * multi-line record's continuation lines get its key, so they reach the same partition in order.
 */
export class KafkaSender implements LineSender {
  private readonly assembler: RecordAssembler
  private readonly records: LogRecord[] = []
  /** Lines whose record has not been emitted yet; the first has id `firstPending`. */
  private pending: string[] = []
  private firstPending = 1
  private nextId = 1
  private currentKey: string | null = null
  private batch: Array<{key: string | null; value: string}> = []
  private sending: Promise<void> = Promise.resolve()
  private failure: Error | undefined

  private constructor(private readonly producer: Producer, private readonly spec: KafkaSpec, format?: string) {
    this.assembler = new RecordAssembler({format: format ?? 'auto'})
  }

  static async open(spec: KafkaSpec, format?: string): Promise<KafkaSender> {
    const producer = kafkaClient(spec.brokers, 'flare-replay').producer({createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false})
    try {
      await producer.connect()
    } catch (error) {
      throw kafkaUnreachable(spec.brokers, error)
    }
    return new KafkaSender(producer, spec, format)
  }

  async send(line: string): Promise<void> {
    if (this.failure) throw this.failure
    const id = this.nextId++
    this.pending.push(line)
    this.assembler.pushLine(line, id, this.records)
    // The newest line opens the record the assembler holds: the lines before it are keyed now.
    if (this.records.length > 0) this.assign(id)
    if (this.batch.length >= BATCH) await this.produce()
  }

  async close(): Promise<void> {
    this.assembler.finish().forEach((r) => this.records.push(r))
    this.assign(this.nextId)
    await this.produce()
    await this.sending
    await this.producer.disconnect()
    if (this.failure) throw this.failure
  }

  /** Keys the pending lines before `until` with the record each belongs to. */
  private assign(until: number): void {
    const starts = new Map<number, string>()
    for (const r of this.records) starts.set(r.lineId, sessionKeyOf(r))
    this.records.length = 0
    const n = until - this.firstPending
    for (let i = 0; i < n; i++) {
      this.currentKey = starts.get(this.firstPending + i) ?? this.currentKey
      this.batch.push({key: this.currentKey, value: this.pending[i]})
    }
    this.pending = this.pending.slice(n)
    this.firstPending = until
  }

  /** Sends the batch; one request in flight at a time, so records of a key keep their order. */
  private async produce(): Promise<void> {
    if (this.batch.length === 0) return
    const messages = this.batch
    this.batch = []
    await this.sending
    this.sending = this.producer.send({topic: this.spec.topic, acks: -1, messages}).then(
      () => undefined,
      (error: Error) => void (this.failure ??= kafkaUnreachable(this.spec.brokers, error)),
    )
  }
}
