import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {Kafka, logLevel} from 'kafkajs'
import {freePort} from './mlflow-server.js'
import {stopGroup} from './process-group.js'

const here = path.dirname(fileURLToPath(import.meta.url))
/** Written by test/setup/kafka.sh (provision.sh runs it): the broker's jars from Maven Central. */
export const kafkaClasspathFile = path.resolve(here, '../setup/kafka/classpath.txt')

/** Why the Kafka tests cannot run here, or undefined when they can. */
export function kafkaMissingReason(): string | undefined {
  if (spawnSync('java', ['-version'], {stdio: 'ignore'}).status !== 0) return 'Kafka tests skipped: no java on PATH (apt-get install openjdk-17-jre-headless maven, then bash test/setup/kafka.sh).'
  if (!existsSync(kafkaClasspathFile)) return 'Kafka tests skipped: the broker classpath is missing (run bash test/setup/kafka.sh; it needs Maven).'
  return undefined
}

export interface KafkaBroker {
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string
  dir: string
  logFile: string
  /** Resolves once the broker accepts connections and answers metadata. */
  ready: Promise<void>
  stop(): Promise<void>
}

/**
 * A single-node Apache Kafka in KRaft mode (broker and controller in one JVM) on free loopback
 * ports with a throwaway log dir: StorageTool formats the dir, then kafka.Kafka runs the server.
 * `ready` resolves once it serves (about 10-20 s here). Output goes to `logFile`.
 */
export async function launchKafka(options: {startTimeoutMs?: number} = {}): Promise<KafkaBroker> {
  const classpath = readFileSync(kafkaClasspathFile, 'utf8').trim()
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-kafka-'))
  const logFile = path.join(dir, 'server.log')
  const [port, controllerPort] = [await freePort(), await freePort()]
  const properties = path.join(dir, 'server.properties')
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${path.join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // Tests form groups on purpose: no waiting for more members to arrive.
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      '',
    ].join('\n'),
  )
  const java = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true', '-cp', classpath]
  const clusterId = randomBytes(16).toString('base64url')
  const format = spawnSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], {encoding: 'utf8'})
  if (format.status !== 0) {
    rmSync(dir, {recursive: true, force: true})
    throw new Error(`kafka StorageTool format failed:\n${format.stdout}${format.stderr}`)
  }
  const log = openSync(logFile, 'a')
  const child = spawn('java', [...java, 'kafka.Kafka', properties], {cwd: dir, detached: true, stdio: ['ignore', log, log]})
  closeSync(log)
  child.unref()
  let exited = false
  child.once('exit', () => (exited = true))
  const bootstrap = `127.0.0.1:${port}`
  const ready = waitForKafka(port, {timeoutMs: options.startTimeoutMs ?? 120_000, logFile, hasExited: () => exited})
  ready.catch(() => {})
  return {bootstrap, dir, logFile, ready, stop: () => stopBroker(child, dir)}
}

/** Waits for a broker launched elsewhere (the global setup): its port accepts and it answers metadata. */
export async function waitForKafka(port: number, options: {timeoutMs: number; logFile: string; hasExited?: () => boolean}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  while (Date.now() < deadline) {
    if (options.hasExited?.()) throw new Error(`kafka exited before it was ready:\n${tail(options.logFile)}`)
    if ((await accepts(port)) && (await answers(port))) return
    await sleep(250)
  }
  throw new Error(`kafka on port ${port} not ready within ${options.timeoutMs} ms:\n${tail(options.logFile)}`)
}

async function answers(port: number): Promise<boolean> {
  const admin = new Kafka({clientId: 'flare-test-ready', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: {retries: 0}}).admin()
  try {
    await admin.connect()
    return (await admin.describeCluster()).brokers.length > 0
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function tail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '(no server log)'
}

async function stopBroker(child: ChildProcess, dir: string): Promise<void> {
  await stopGroup(child, 15_000)
  rmSync(dir, {recursive: true, force: true})
}
