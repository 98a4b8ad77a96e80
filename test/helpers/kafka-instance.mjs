// One Flare instance reading a Kafka topic as `flare collect kafka://…?group=G --model M` does
// (the built engine, runner and Kafka source), for the consumer-group tests. It writes each scored
// session as a JSON line to OUT the moment it is scored (what a downstream consumer would have
// received; a SIGKILL loses nothing written), and its progress to OUT.status every 200 ms.
// Usage: node kafka-instance.mjs BOOTSTRAP TOPIC GROUP MODEL_DIR OUT
import {openSync, renameSync, writeFileSync, writeSync} from 'node:fs'
import {loadBundle} from '../../dist/core/model-bundle.js'
import {LiveEngine} from '../../dist/core/stream/engine.js'
import {KafkaSource} from '../../dist/core/stream/kafka/kafka-source.js'
import {runLive} from '../../dist/core/stream/runner.js'

const [bootstrap, topic, group, modelDir, out] = process.argv.slice(2)
const fd = openSync(out, 'a')
const engine = new LiveEngine({
  model: await loadBundle(modelDir),
  // Sessions stay open until the shutdown (or a hand-over), as a batch run sees them.
  idleMs: 7 * 24 * 3_600_000,
  onScored: (s) => writeSync(fd, JSON.stringify({id: s.id, anomalous: s.anomalous, events: s.events, pid: process.pid}) + '\n'),
})
const source = new KafkaSource({brokers: [bootstrap], topic, group}, {sessionTimeoutMs: 15_000, onNote: (n) => process.stderr.write(n + '\n')})
const status = () => {
  writeFileSync(out + '.tmp', JSON.stringify({partitions: source.partitions, positions: Object.fromEntries(source.positions()), lines: engine.stats().lines}))
  renameSync(out + '.tmp', out + '.status')
}
const timer = setInterval(status, 200)
const controller = new AbortController()
process.once('SIGTERM', () => controller.abort())
await runLive({engine, sources: [source], sinks: [], signal: controller.signal, tickMs: 200})
clearInterval(timer)
status()
process.exit(0)
