import type {Consumer, EachBatchPayload} from 'kafkajs'
import type {LineSink, LineSource, SourceStats} from '../contracts.js'
import {kafkaClient, kafkaUnreachable} from './client.js'
import {PartitionOffsets} from './offsets.js'
import {beforeRejoin} from './rejoin-hook.js'
import type {KafkaSpec} from './spec.js'

export interface KafkaSourceOptions {
  onNote?: (note: string) => void
  /** Least time between two offset commits, ms (hand-overs and the shutdown commit at once). */
  commitEveryMs?: number
  /** Consumer group session timeout, ms (how soon a dead instance's partitions move). */
  sessionTimeoutMs?: number
}

/** Lines pushed between two checks for room in the engine's queue (below half its capacity). */
const CHUNK = 2048

/**
 * A topic read as a member of a consumer group: instances in one group split the partitions.
 * Each record is one log line; its offset is committed only once the engine acked it (every
 * session holding it was scored and the events delivered), so a crash loses nothing — the next
 * owner reads again from the committed offset. Before the group rebalances (an instance joins or
 * leaves) the open sessions are scored and everything is committed, so a clean hand-over neither
 * loses nor scores twice.
 */
export class KafkaSource implements LineSource {
  readonly name: string
  private consumer: Consumer | undefined
  private sink: LineSink | undefined
  private readonly offsets = new PartitionOffsets()
  private readonly seen = new Map<number, number>()
  private lines = 0
  private readonly notes: string[] = []
  private lastCommit = 0
  /** Set while open sessions are scored before a rebalance: batches of the old generation stop. */
  private handingOver: Promise<void> | undefined
  private stopping = false
  private assigned: number[] = []
  /** Lines pushed since the last hand-over: none, nothing to score before rejoining. */
  private sinceHandOver = 0
  private removeHook: (() => void) | undefined

  constructor(private readonly spec: KafkaSpec & {group: string}, private readonly options: KafkaSourceOptions = {}) {
    this.name = `kafka ${spec.topic} (group ${spec.group})`
  }

  async start(sink: LineSink): Promise<void> {
    this.sink = sink
    const client = kafkaClient(this.spec.brokers, `flare-collect-${this.spec.group}`, (n) => this.note(n))
    const consumer = client.consumer({groupId: this.spec.group, sessionTimeout: this.options.sessionTimeoutMs ?? 30_000, heartbeatInterval: 1000, allowAutoTopicCreation: false})
    this.consumer = consumer
    const hook = beforeRejoin(this.spec.group, () => this.handOver())
    this.removeHook = hook.remove
    if (!hook.installed) this.note('kafka: cannot hook the rejoin of kafkajs; a rebalance may score some sessions twice')
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assigned = event.payload.memberAssignment[this.spec.topic] ?? []
      // What was kept is read again from the committed offsets; the hand-over committed all.
      this.offsets.reset()
      this.handingOver = undefined
      this.note(`kafka: joined group ${this.spec.group}, partitions ${this.assigned.join(',') || 'none'}`)
    })
    try {
      await consumer.connect()
      await consumer.subscribe({topic: this.spec.topic, fromBeginning: true})
    } catch (error) {
      await consumer.disconnect().catch(() => {})
      throw kafkaUnreachable(this.spec.brokers, error)
    }
    await consumer.run({autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (payload) => this.onBatch(payload)})
  }

  /** The partitions this instance owns now. */
  get partitions(): readonly number[] {
    return this.assigned
  }

  /** Partition → the offset after the newest record read (over every generation). */
  positions(): Map<number, number> {
    return new Map(this.seen)
  }

  async stop(): Promise<void> {
    // Stay in the group: the offsets of what the shutdown scores are committed in settled(true).
    this.stopping = true
    this.consumer?.pause([{topic: this.spec.topic}])
  }

  async settled(final: boolean): Promise<void> {
    if (!final) {
      if (Date.now() - this.lastCommit >= (this.options.commitEveryMs ?? 1000)) await this.commit()
      return
    }
    await this.commit()
    this.removeHook?.()
    await this.consumer?.disconnect().catch(() => {})
    this.consumer = undefined
  }

  stats(): SourceStats {
    return {lines: this.lines, rejected: 0, dropped: 0, notes: this.notes.slice(-5)}
  }

  private async onBatch({batch, heartbeat, isRunning, isStale, resolveOffset}: EachBatchPayload): Promise<void> {
    const sink = this.sink!
    const source = `kafka:${batch.topic}/${batch.partition}`
    let i = 0
    for (const message of batch.messages) {
      if (i++ % CHUNK === 0) await sink.room()
      if (this.stopping || this.handingOver || !isRunning() || isStale()) return
      const offset = Number(message.offset)
      const ack = this.offsets.take(batch.partition, offset)
      this.seen.set(batch.partition, offset + 1)
      // A line the queue refused (it closed: shutdown) stays unacked, so it is read again later.
      if (!sink.push({text: message.value?.toString('utf8') ?? '', source, arrivedAt: Date.now(), ack})) return
      // Moves kafkajs's fetch position on (nothing is committed by it: autoCommit is off).
      resolveOffset(message.offset)
      this.lines++
      this.sinceHandOver++
    }
    // A rebalance shows here (kafkajs then rejoins, and the hook hands over first).
    await heartbeat()
  }

  /** Before (re)joining the group: every open session scored, every acked offset committed. */
  private handOver(): Promise<void> {
    if (this.handingOver) return this.handingOver
    if (this.stopping || !this.sink?.flush || this.sinceHandOver === 0) return Promise.resolve()
    this.note('kafka: the group is rebalancing; scoring open sessions and committing before handing partitions over')
    this.sinceHandOver = 0
    this.handingOver = (async () => {
      await this.sink!.flush!()
      await this.commit()
    })()
    return this.handingOver
  }

  private async commit(): Promise<void> {
    const consumer = this.consumer
    if (!consumer) return
    const offsets = this.offsets.committable()
    this.lastCommit = Date.now()
    if (offsets.size === 0) return
    try {
      await consumer.commitOffsets([...offsets].map(([partition, offset]) => ({topic: this.spec.topic, partition, offset: String(offset)})))
      this.offsets.markCommitted(offsets)
    } catch (error) {
      // Not committed: the next owner reads those records again (at least once).
      this.note(`kafka: offsets not committed: ${(error as Error).message}`)
    }
  }

  private note(text: string): void {
    this.notes.push(text)
    if (this.notes.length > 20) this.notes.shift()
    this.options.onNote?.(text)
  }
}
