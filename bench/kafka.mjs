// Throughput of Flare on Kafka: HDFS_2percent replayed into a 6-partition topic, then read by 1 and
// by 2 instances in one consumer group (each `flare collect kafka://…?group=G --model M`, run as
// test/helpers/kafka-instance.mjs). Starts its own single-node KRaft broker from the jars that
// test/setup/kafka.sh resolves. Prints lines/s from the first record read to the last; asserts nothing.
// Usage: node bench/kafka.mjs [--log PATH]
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {Kafka, logLevel} from 'kafkajs'
import {CLI, DATASETS, ROOT, requireBuild} from './lib/paths.mjs'
import {header, int, printTable, secs} from './lib/table.mjs'

const args = process.argv.slice(2)
const log = args.includes('--log') ? args[args.indexOf('--log') + 1] : path.join(DATASETS, 'hdfs/HDFS_2percent.log')
const classpathFile = path.join(ROOT, 'test/setup/kafka/classpath.txt')
requireBuild()
if (!fs.existsSync(log)) {
  console.log(`kafka bench skipped: ${log} is absent`)
  process.exit(0)
}
if (spawnSync('java', ['-version'], {stdio: 'ignore'}).status !== 0 || !fs.existsSync(classpathFile)) {
  console.log('kafka bench skipped: needs java and the broker classpath (bash test/setup/kafka.sh)')
  process.exit(0)
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const {port} = s.address()
    s.close(() => resolve(port))
  })
})
const cli = (argv) => spawnSync(process.execPath, [CLI, ...argv], {encoding: 'utf8', maxBuffer: 1 << 26})

header('Kafka: Flare instances in one consumer group')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-kafka-bench-'))
const [port, cport] = [await freePort(), await freePort()]
const props = path.join(dir, 'server.properties')
fs.writeFileSync(props, [
  'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${cport}`,
  `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
  'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  `log.dirs=${dir}/data`, 'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=3', 'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1', 'share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1',
  'group.initial.rebalance.delay.ms=0', 'auto.create.topics.enable=false', '',
].join('\n'))
const java = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-cp', fs.readFileSync(classpathFile, 'utf8').trim()]
spawnSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'), '-c', props], {stdio: 'ignore'})
const logFd = fs.openSync(path.join(dir, 'server.log'), 'a')
const broker = spawn('java', [...java, 'kafka.Kafka', props], {detached: true, stdio: ['ignore', logFd, logFd]})
const bootstrap = `127.0.0.1:${port}`
const kafka = new Kafka({clientId: 'flare-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: {retries: 0}})
const admin = kafka.admin()
const started = Date.now()
for (;;) {
  try {
    await admin.connect()
    await admin.describeCluster()
    break
  } catch {
    if (Date.now() - started > 180_000) throw new Error('the broker did not start in 180 s')
    await sleep(500)
  }
}
console.log(`broker ready in ${secs(Date.now() - started)}`)

try {
  const model = path.join(dir, 'model')
  const fit = cli(['detect', '-i', log, '--save-model', model, '--no-track'])
  if (fit.status !== 0) throw new Error(fit.stderr)
  await admin.createTopics({topics: [{topic: 'hdfs', numPartitions: 6, replicationFactor: 1}], waitForLeaders: true})
  const t0 = Date.now()
  const replay = cli(['replay', '-i', log, '--max', '--to', `kafka://${bootstrap}/hdfs`])
  if (replay.status !== 0) throw new Error(replay.stderr)
  const produceMs = Date.now() - t0
  const ends = new Map((await admin.fetchTopicOffsets('hdfs')).map((p) => [p.partition, Number(p.offset)]))
  const total = [...ends.values()].reduce((a, b) => a + b, 0)
  const rows = [['replay --to kafka:// (1 producer)', '—', int(total), secs(produceMs), int(total / (produceMs / 1000))]]
  for (const n of [1, 2]) {
    const outs = Array.from({length: n}, (_, i) => path.join(dir, `g${n}-${i}.jsonl`))
    const children = outs.map((out) => spawn(process.execPath, [path.join(ROOT, 'test/helpers/kafka-instance.mjs'), bootstrap, 'hdfs', `bench-${n}`, model, out], {stdio: 'ignore'}))
    const status = (out) => (fs.existsSync(out + '.status') ? JSON.parse(fs.readFileSync(out + '.status', 'utf8')) : {positions: {}, lines: 0})
    let first
    const begin = Date.now()
    for (;;) {
      const st = outs.map(status)
      if (first === undefined && st.some((s) => s.lines > 0)) first = Date.now()
      const seen = new Map()
      for (const s of st) for (const [p, o] of Object.entries(s.positions)) seen.set(Number(p), Math.max(seen.get(Number(p)) ?? 0, o))
      if ([...ends].every(([p, e]) => e === 0 || seen.get(p) === e) && st.reduce((a, s) => a + s.lines, 0) >= total) break
      if (Date.now() - begin > 600_000) throw new Error(`${n} instance(s) did not read the topic in 10 minutes`)
      await sleep(100)
    }
    const ms = Date.now() - first
    await Promise.all(children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM')))))
    rows.push([`${n} collect instance${n > 1 ? 's' : ''}, one group`, String(n), int(total), secs(ms), int(total / (ms / 1000))])
  }
  printTable(`Kafka throughput, ${path.basename(log)}, 6 partitions, ${os.cpus().length} cores`, ['stage', 'instances', 'lines', 'wall', 'lines/s'], rows, {
    note: 'Consumers: from the first record read to the last (group join excluded); each instance parses, sessions and scores its partitions. On a shared 2-core machine the second instance competes with the broker and the first for CPU.',
  })
} finally {
  await admin.disconnect().catch(() => {})
  process.kill(-broker.pid, 'SIGTERM')
  await new Promise((resolve) => broker.once('exit', resolve))
  fs.rmSync(dir, {recursive: true, force: true})
}
