import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, existsSync, openSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {Kafka, logLevel} from 'kafkajs'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {runCli, repoRoot} from '../../helpers/cli.js'
import {waitForKafka} from '../../helpers/kafka-broker.js'

const bootstrap = inject('kafkaBootstrap')
const skipReason = inject('kafkaMissing') ?? (bootstrap ? undefined : 'Kafka tests skipped: no broker was started for this run (FLARE_KAFKA_TESTS=off or a filtered run).')
const LOG = 'data/hdfs_sample.log'
const PARTITIONS = 6
/** Group joins, rebalances and a dead member's session timeout (15 s) on a loaded 2-core machine. */
const GROUP_TIMEOUT = 300_000

interface Scored {
  id: string
  anomalous: boolean
  events: number
  pid: number
}

let dir: string
let kafka: Kafka
let batchFlagged: string[]
let batchSessions: number

beforeAll(async () => {
  if (!bootstrap) return
  dir = await mkdtemp(join(tmpdir(), 'flare-kafka-'))
  await waitForKafka(Number(bootstrap.split(':')[1]), {timeoutMs: 150_000, logFile: inject('kafkaLogFile')!})
  kafka = new Kafka({clientId: 'flare-test', brokers: [bootstrap], logLevel: logLevel.NOTHING})
  const fit = await runCli(['detect', '-i', LOG, '--save-model', join(dir, 'model'), '--no-track'])
  expect(fit.code, fit.stderr).toBe(0)
  const batch = await runCli(['detect', '-i', LOG, '--model', join(dir, 'model'), '--json', '--no-track'])
  expect(batch.code, batch.stderr).toBe(0)
  const anomalies = JSON.parse(batch.stdout).anomalies as Array<{session_id: string; is_anomaly: boolean}>
  batchFlagged = anomalies.filter((a) => a.is_anomaly).map((a) => a.session_id).sort()
  batchSessions = anomalies.length
  expect(batchFlagged.length).toBeGreaterThan(0)
}, 240_000)

afterAll(async () => {
  if (dir) await rm(dir, {recursive: true, force: true})
})

/** A fresh 6-partition topic, the sample log replayed into it by `flare replay --to kafka://…`. */
async function loadedTopic(name: string): Promise<{topic: string; ends: Map<number, number>}> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic: name, numPartitions: PARTITIONS, replicationFactor: 1}], waitForLeaders: true})
  const r = await runCli(['replay', '-i', LOG, '--max', '--to', `kafka://${bootstrap}/${name}`])
  expect(r.code, r.stderr).toBe(0)
  const ends = new Map((await admin.fetchTopicOffsets(name)).map((p) => [p.partition, Number(p.offset)]))
  await admin.disconnect()
  return {topic: name, ends}
}

function startInstance(topic: string, group: string, out: string): ChildProcess {
  // Its notes (joins, hand-overs, refused commits) go to OUT.log for a failing run.
  const log = openSync(out + '.log', 'a')
  const child = spawn(process.execPath, [join(repoRoot, 'test/helpers/kafka-instance.mjs'), bootstrap!, topic, group, join(dir, 'model'), out], {stdio: ['ignore', 'ignore', log]})
  closeSync(log)
  return child
}

function status(out: string): {partitions: number[]; positions: Record<string, number>; lines: number} | undefined {
  return existsSync(out + '.status') ? JSON.parse(readFileSync(out + '.status', 'utf8')) : undefined
}

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

/** Every partition read to its end by some instance. */
function readAll(outs: string[], ends: Map<number, number>): boolean {
  const seen = new Map<number, number>()
  for (const out of outs) for (const [p, o] of Object.entries(status(out)?.positions ?? {})) seen.set(Number(p), Math.max(seen.get(Number(p)) ?? 0, o))
  return [...ends].every(([p, end]) => end === 0 || seen.get(p) === end)
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise((resolve) => c.once('exit', resolve))
      c.kill('SIGTERM')
      await exited
    }),
  )
}

/** Block id → lines naming it in the sample (no line names two blocks): a session's events. */
function linesPerBlock(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of readFileSync(join(repoRoot, LOG), 'utf8').trim().split('\n')) {
    const block = /blk_-?\d+/.exec(line)?.[0]
    if (block) counts.set(block, (counts.get(block) ?? 0) + 1)
  }
  return counts
}

function scoredIn(outs: string[]): Scored[] {
  return outs.flatMap((out) => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Scored) : []))
}

/** Runs N instances in one group; the data is produced once they all own partitions (no rebalance mid-stream). */
async function runGroup(n: number, name: string): Promise<Scored[]> {
  const group = `${name}-group`
  const outs = Array.from({length: n}, (_, i) => join(dir, `${name}-${i}.jsonl`))
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic: name, numPartitions: PARTITIONS, replicationFactor: 1}], waitForLeaders: true})
  await admin.disconnect()
  const children = outs.map((out) => startInstance(name, group, out))
  try {
    await until(`${n} instances to share the ${PARTITIONS} partitions`, () => outs.reduce((k, out) => k + (status(out)?.partitions.length ?? 0), 0) === PARTITIONS && outs.every((o) => (status(o)?.partitions.length ?? 0) > 0))
    const r = await runCli(['replay', '-i', LOG, '--max', '--to', `kafka://${bootstrap}/${name}`])
    expect(r.code, r.stderr).toBe(0)
    const admin2 = kafka.admin()
    await admin2.connect()
    const ends = new Map((await admin2.fetchTopicOffsets(name)).map((p) => [p.partition, Number(p.offset)]))
    await admin2.disconnect()
    await until('every partition read', () => readAll(outs, ends))
  } finally {
    await stop(children)
  }
  return scoredIn(outs)
}

/** True when an instance logged a refused offset commit (it was expelled from the group: its lines are read again). */
function commitRefused(outs: string[]): boolean {
  return outs.some((o) => existsSync(o + '.log') && /offsets not committed/.test(readFileSync(o + '.log', 'utf8')))
}

/** Event counts per session over every instance's output (a session handed over mid-way is scored in parts). */
function eventsPerSession(scored: Scored[]): Map<string, number> {
  const events = new Map<string, number>()
  for (const s of scored) events.set(s.id, (events.get(s.id) ?? 0) + s.events)
  return events
}

describe.skipIf(skipReason !== undefined)(`collect from Kafka in a consumer group${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('replay --to kafka:// keys records by session: every block lands in exactly one partition', async () => {
    const {topic, ends} = await loadedTopic('keys')
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(readFileSync(join(repoRoot, LOG), 'utf8').trim().split('\n').length)
    expect([...ends.values()].filter((n) => n > 0).length).toBeGreaterThan(1)
    const consumer = kafka.consumer({groupId: 'keys-check'})
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: true})
    const partitionsOf = new Map<string, Set<number>>()
    let got = 0
    const total = [...ends.values()].reduce((a, b) => a + b, 0)
    await consumer.run({
      eachMessage: async ({partition, message}) => {
        got++
        const block = /blk_-?\d+/.exec(message.value!.toString())?.[0]
        if (block) (partitionsOf.get(block) ?? partitionsOf.set(block, new Set()).get(block)!).add(partition)
      },
    })
    await until('the keyed topic read back', () => got === total)
    await consumer.disconnect()
    // A line naming two blocks is keyed by the first; the sessions are the blocks, each in one partition.
    const spread = [...partitionsOf.values()].filter((s) => s.size > 1).length
    expect(spread / partitionsOf.size).toBeLessThan(0.01)
  }, GROUP_TIMEOUT)

  it('one instance flags what batch detect flags with the same model', async () => {
    const single = await runGroup(1, 'one')
    expect(new Set(single.map((s) => s.id)).size).toBe(single.length)
    expect(single.length).toBe(batchSessions)
    expect(new Map(single.map((s) => [s.id, s.events]))).toEqual(linesPerBlock())
    expect(single.filter((s) => s.anomalous).map((s) => s.id).sort()).toEqual(batchFlagged)
  }, GROUP_TIMEOUT)

  it('three instances split the partitions: the union of what they flag is the single-instance and the batch result', async () => {
    const scored = await runGroup(3, 'three')
    expect(new Set(scored.map((s) => s.pid)).size).toBe(3)
    // No session scored twice, none lost.
    expect(new Set(scored.map((s) => s.id)).size).toBe(scored.length)
    expect(scored.length).toBe(batchSessions)
    expect(scored.filter((s) => s.anomalous).map((s) => s.id).sort()).toEqual(batchFlagged)
  }, GROUP_TIMEOUT)

  it('flare collect kafka://…?group= with --sink kafka://: incident events with ids, every offset committed at shutdown', async () => {
    const {topic, ends} = await loadedTopic('cli')
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({topics: [{topic: 'cli.incidents', numPartitions: 2, replicationFactor: 1}], waitForLeaders: true})
    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), 'collect', `kafka://${bootstrap}/${topic}?group=cli-group`, '--model', join(dir, 'model'), '--idle', '7d', '--json', '--sink', `kafka://${bootstrap}/cli.incidents`], {cwd: repoRoot, env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    // The group's member is in; the 6.6k lines take a moment to read, then a clean stop.
    await until('collect to join its group', () => /joined group cli-group, partitions 0,1,2,3,4,5/.test(stderr))
    await sleep(8000)
    child.kill('SIGTERM')
    expect(await exited, stderr).toBe(0)
    const events = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    expect(events.filter((e) => e.kind === 'opened').length).toBeGreaterThan(0)
    const committed = await admin.fetchOffsets({groupId: 'cli-group', topics: [topic]})
    expect(new Map(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]))).toEqual(ends)
    const consumer = kafka.consumer({groupId: 'cli-incidents-check'})
    await consumer.connect()
    await consumer.subscribe({topic: 'cli.incidents', fromBeginning: true})
    const delivered: Array<{event_id: string; incident_key: string; kind: string}> = []
    await consumer.run({eachMessage: async ({message}) => void delivered.push(JSON.parse(message.value!.toString()))})
    await until('the incident events read back', () => delivered.length >= events.length)
    await consumer.disconnect()
    await admin.disconnect()
    expect(delivered.length).toBe(events.length)
    expect(new Set(delivered.map((e) => e.event_id)).size).toBe(delivered.length)
    expect(delivered.filter((e) => e.kind === 'opened').length).toBe(events.filter((e) => e.kind === 'opened').length)
  }, GROUP_TIMEOUT)

  it('one instance, then two more join the group mid-stream: a clean rebalance loses no line and scores none twice', async () => {
    const name = 'join'
    const outs = [0, 1, 2].map((i) => join(dir, `${name}-${i}.jsonl`))
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({topics: [{topic: name, numPartitions: PARTITIONS, replicationFactor: 1}], waitForLeaders: true})
    const children = [startInstance(name, `${name}-group`, outs[0])]
    try {
      await until('the first instance to own every partition', () => status(outs[0])?.partitions.length === PARTITIONS)
      const r = await runCli(['replay', '-i', LOG, '--max', '--to', `kafka://${bootstrap}/${name}`])
      expect(r.code, r.stderr).toBe(0)
      const ends = new Map((await admin.fetchTopicOffsets(name)).map((p) => [p.partition, Number(p.offset)]))
      await until('the first instance to read', () => (status(outs[0])?.lines ?? 0) > 0)
      children.push(startInstance(name, `${name}-group`, outs[1]), startInstance(name, `${name}-group`, outs[2]))
      await until('the three to share the partitions', () => outs.every((o) => (status(o)?.partitions.length ?? 0) > 0), 180_000)
      await until('every partition read', () => readAll(outs, ends), 180_000)
    } finally {
      await admin.disconnect()
      await stop(children)
    }
    const scored = scoredIn(outs)
    const events = eventsPerSession(scored)
    const expected = linesPerBlock()
    expect(events.size).toBe(expected.size)
    for (const [id, n] of expected) expect(events.get(id) ?? 0, id).toBeGreaterThanOrEqual(n)
    if (!commitRefused(outs)) expect(new Map([...events].filter(([id]) => expected.has(id)))).toEqual(expected)
  }, GROUP_TIMEOUT)

  it('an instance killed mid-stream: its partitions move, no line of any session is lost and (commits not refused) none is scored twice', async () => {
    const name = 'kill'
    const outs = [0, 1, 2].map((i) => join(dir, `${name}-${i}.jsonl`))
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({topics: [{topic: name, numPartitions: PARTITIONS, replicationFactor: 1}], waitForLeaders: true})
    const children = outs.map((out) => startInstance(name, `${name}-group`, out))
    try {
      await until('three instances to share the partitions', () => outs.reduce((k, out) => k + (status(out)?.partitions.length ?? 0), 0) === PARTITIONS && outs.every((o) => (status(o)?.partitions.length ?? 0) > 0))
      const r = await runCli(['replay', '-i', LOG, '--max', '--to', `kafka://${bootstrap}/${name}`])
      expect(r.code, r.stderr).toBe(0)
      const ends = new Map((await admin.fetchTopicOffsets(name)).map((p) => [p.partition, Number(p.offset)]))
      // The victim reads some of its partitions, scores nothing yet (its sessions are open), and dies without a word.
      await until('the victim to read', () => (status(outs[0])?.lines ?? 0) > 0)
      children[0].kill('SIGKILL')
      await until('the survivors to take the partitions and read them to the end', () => readAll(outs.slice(1), ends), 180_000)
    } finally {
      await admin.disconnect()
      await stop(children)
    }
    // The survivors read the victim's partitions again from the committed offsets, and scored their own open
    // sessions before the rebalance (a session open then is scored in two parts). Over every instance's output
    // each line of each session is scored exactly once: the events of a session's parts add up to its lines.
    const scored = scoredIn(outs)
    expect(scoredIn(outs.slice(0, 1)).length).toBe(0)
    const events = eventsPerSession(scored)
    const expected = linesPerBlock()
    expect(events.size).toBe(expected.size)
    // No line lost: at least once.
    for (const [id, n] of expected) expect(events.get(id) ?? 0, id).toBeGreaterThanOrEqual(n)
    // Exactly once is the aim but not asserted: on this loaded machine a survivor has itself been
    // expelled from the group (its session timed out), its hand-over commit was refused, and its
    // partitions were read again by the other: at-least-once, as designed for a member that dies.
    const twice = [...expected].filter(([id, n]) => events.get(id)! > n).map(([id]) => id)
    // Unless a survivor says so, nothing was read twice: its hand-over commits all went through.
    if (!commitRefused(outs.slice(1))) expect(twice).toEqual([])
    else if (twice.length > 0) console.warn(`kafka kill test: ${twice.length} of ${expected.size} sessions scored more than once; instance logs: ${outs.map((o) => o + '.log').join(' ')}\n${outs.map((o) => (existsSync(o + '.log') ? readFileSync(o + '.log', 'utf8') : '')).join('\n---\n').slice(-3000)}`)
  }, GROUP_TIMEOUT)
})
