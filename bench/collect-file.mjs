// `flare collect FILE --model M` on a file being written: the engine, runner and file source of
// the command (in this process), following an empty file that the HDFS ×10 live file is then
// appended to (by `cat`), until every line was ingested. Reports lines per wall- and CPU-second,
// peak RSS (VmHWM) and RSS over time, sessions scored and flagged, the most sessions open at once.
// Needs the ×10 file and the model `node bench/replay.mjs --x10-only` leaves in .bench/.
// Usage: npm run build && node bench/collect-file.mjs
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import {benchOut, requireBuild} from './lib/paths.mjs'
import {machine, rssOverTime} from './lib/measure.mjs'
import {int} from './lib/table.mjs'

requireBuild()
const input = benchOut('HDFS_2percent_x10_live.log')
const modelDir = benchOut('replay-model')
if (!fs.existsSync(input) || !fs.existsSync(modelDir)) {
  console.log(`skipped: ${input} or ${modelDir} is absent (run \`node bench/replay.mjs --x10-only\` first)`)
  process.exit(0)
}
let total = 0
{
  const fd = fs.openSync(input, 'r')
  const buf = Buffer.allocUnsafe(1 << 20)
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) total++
  fs.closeSync(fd)
}
const {loadBundle} = await import('../dist/core/model-bundle.js')
const {LiveEngine} = await import('../dist/core/stream/engine.js')
const {boundHeapGrowth} = await import('../dist/core/stream/heap.js')
const {runLive} = await import('../dist/core/stream/runner.js')
const {FileSource} = await import('../dist/core/stream/sources/file-source.js')

// As `flare collect` does.
boundHeapGrowth()
const model = await loadBundle(modelDir)
let engine
let scored = 0
let flagged = 0
engine = new LiveEngine({model, clock: () => engine.eventTime, onScored: (s) => (scored++, s.anomalous && flagged++)})
const followed = benchOut(`collect-followed-${process.pid}.log`)
fs.writeFileSync(followed, '')
const controller = new AbortController()
const load = os.loadavg()
const t0 = performance.now()
const cpu0 = process.cpuUsage()
const samples = []
const poll = setInterval(() => samples.push([Math.round(performance.now() - t0), Math.round(process.memoryUsage().rss / 1024)]), 250)
// Ticks off: the wall clock does not move event time on while the file is read.
const source = new FileSource(followed, {pollMs: 50})
const running = runLive({engine, sources: [source], sinks: [], tickMs: 3_600_000, signal: controller.signal})
spawn('sh', ['-c', 'cat "$1" >> "$2"', 'sh', input, followed], {stdio: 'ignore'})
const deadline = Date.now() + 300_000
while (engine.stats().lines < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
if (engine.stats().lines < total) console.log(`stalled: ${int(engine.stats().lines)} of ${int(total)} lines ingested, ${int(source.stats().lines)} read; source notes: ${source.stats().notes.join(' | ') || 'none'}`)
controller.abort()
await running
clearInterval(poll)
const wallS = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const cpuS = (cpu.user + cpu.system) / 1e6
fs.rmSync(followed, {force: true})
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)
const stats = engine.stats()
console.log(`collect of a followed file (HDFS ×10 appended) — ${machine()}, load at start ${load.map((l) => l.toFixed(2)).join(' ')}`)
console.log(`${int(stats.lines)} lines in ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU: ${int(stats.lines / wallS)} lines/s, ${int(stats.lines / cpuS)} per CPU-s; peak RSS ${(hwm / 1024).toFixed(0)} MB; ${int(scored)} sessions scored, ${int(flagged)} flagged, ${int(stats.maxOpenSessions)} open at most`)
console.log(`RSS over time (peak per tenth of the run): ${rssOverTime(samples)}`)
