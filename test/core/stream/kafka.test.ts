import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {detect} from '../../../src/core/pipeline.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {PartitionOffsets} from '../../../src/core/stream/kafka/offsets.js'
import {parseKafkaSpec} from '../../../src/core/stream/kafka/spec.js'
import {eventId, incidentKey} from '../../../src/core/stream/sinks/index.js'
import {parseSourceSpec} from '../../../src/core/stream/sources/index.js'
import type {IncidentEvent} from '../../../src/core/stream/contracts.js'

describe('kafka:// specs', () => {
  it('reads brokers, topic and group; refuses what Kafka would', () => {
    expect(parseKafkaSpec('kafka://a:9092,b:9093/flare.logs?group=g1', 'source')).toEqual({brokers: ['a:9092', 'b:9093'], topic: 'flare.logs', group: 'g1'})
    expect(parseSourceSpec('kafka://127.0.0.1:9092/logs')).toEqual({kind: 'kafka', kafka: {brokers: ['127.0.0.1:9092'], topic: 'logs', group: undefined}})
    for (const bad of ['kafka://host/logs', 'kafka://h:9092/', 'kafka://h:99999/t', 'kafka://h:1/bad topic', 'kafka://h:1/t?grp=x', 'kafka://h:1/t?group=']) {
      expect(() => parseKafkaSpec(bad, 'source'), bad).toThrow(/Bad source/)
    }
  })
})

describe('PartitionOffsets', () => {
  it('commits up to the first record not yet acked, per partition, never past a gap', () => {
    const offsets = new PartitionOffsets()
    const a = [10, 11, 12, 13].map((o) => offsets.take(0, o))
    const b = [5, 6].map((o) => offsets.take(1, o))
    a[1]()
    a[2]()
    b[1]()
    expect(offsets.committable().size).toBe(0)
    a[0]()
    expect([...offsets.committable()]).toEqual([[0, 13]])
    offsets.markCommitted(new Map([[0, 13]]))
    expect(offsets.committable().size).toBe(0)
    b[0]()
    a[3]()
    expect([...offsets.committable()].sort()).toEqual([[0, 14], [1, 7]])
    expect(offsets.pending).toBe(0)
  })
})

describe('line acks through the engine', () => {
  it('a line is acked only once every session holding it was scored, each line exactly once', async () => {
    const fitted = await detect({input: 'data/hdfs_sample.log'})
    const lines = readFileSync('data/hdfs_sample.log', 'utf8').trim().split('\n')
    const acked = new Array<number>(lines.length).fill(0)
    const scoredIds = new Set<string>()
    const blockOf = (i: number): string | undefined => /blk_-?\d+/.exec(lines[i])?.[0]
    let violations = 0
    const engine = new LiveEngine({model: fitted.bundle, idleMs: 7 * 24 * 3_600_000, onScored: (s) => scoredIds.add(s.id)})
    const live = lines.map((text, i) => ({
      text,
      source: 'kafka:t/0',
      arrivedAt: 0,
      ack: () => {
        acked[i]++
        const block = blockOf(i)
        if (block && !scoredIds.has(block)) violations++
      },
    }))
    const half = Math.floor(lines.length / 2)
    engine.ingest(live.slice(0, half))
    // Sessions stay open (a week's idle time): nothing with a block is acked yet.
    expect(acked.slice(0, half).filter((n, i) => n > 0 && blockOf(i) !== undefined).length).toBe(0)
    engine.flushSessions()
    // The newest line may open a record the parser still holds: it waits, the rest is acked.
    expect(acked.slice(0, half).every((n) => n === 1)).toBe(true)
    engine.ingest(live.slice(half))
    engine.finish()
    expect(acked.every((n) => n === 1)).toBe(true)
    expect(violations).toBe(0)
  })
})

describe('incident event ids', () => {
  it('depend on the incident, not on the instance that numbered it', () => {
    const event = (id: string, kind: IncidentEvent['kind'], sessions: number): IncidentEvent => ({
      kind,
      at: new Date().toISOString(),
      incident: {id, severity: 'high', title: 't', signature: ['T1', 'T9'], firstSeen: '2008-11-09T20:36:56.000Z', lastSeen: '2008-11-09T20:40:00.000Z', detectedAt: '', delayMs: 0, sessions, score: 1, hosts: [], sampleLines: []},
    })
    expect(eventId(event('INC-1', 'opened', 1))).toBe(eventId(event('INC-7', 'opened', 1)))
    expect(incidentKey(event('INC-1', 'opened', 1))).toBe(incidentKey(event('INC-1', 'updated', 3)))
    expect(eventId(event('INC-1', 'opened', 1))).not.toBe(eventId(event('INC-1', 'updated', 3)))
  })
})
