#!/usr/bin/env node
// Template-mining speed: Flare's TemplateMiner vs Python Drain3 (default TemplateMiner config, no
// persistence) on the same >= 2M-line HDFS file, in the same run. Prints, asserts nothing.
//
//   npx tsc -p bench/tsconfig.templates.json   (ingest is used when dist/core/ingest is built)
//   node bench/drain-speed.mjs [--copies 10] [--no-python] [--python /path/to/python]
//
// The file is HDFS_2percent.log repeated --copies times, written once to .bench/templates/.
// Both sides are timed on mining only (the message content is extracted before the clock starts,
// batch by batch), in wall-clock and in CPU time; CPU time is the fairer figure on a busy machine.
import {spawnSync} from 'node:child_process'
import {createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {once} from 'node:events'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const copies = Number(option('--copies', '10'))
const python = option('--python', join(root, '.venv/bin/python'))
const source = join(root, '..', 'shared', 'datasets', 'hdfs', 'HDFS_2percent.log')
const workDir = join(root, '.bench', 'templates')
const file = join(workDir, `HDFS_2percent_x${copies}.log`)

if (!existsSync(source)) {
  console.error(`dataset not found: ${source}`)
  process.exit(2)
}
mkdirSync(workDir, {recursive: true})
const sourceBytes = statSync(source).size
if (!existsSync(file) || statSync(file).size !== sourceBytes * copies) {
  console.error(`writing ${file} (${copies} copies of HDFS_2percent.log) ...`)
  const text = readFileSync(source)
  const out = createWriteStream(file)
  for (let i = 0; i < copies; i++) if (!out.write(text)) await once(out, 'drain')
  out.end()
  await once(out, 'finish')
}

const {TemplateMiner, configForFormat} = await import(pathToFileURL(join(root, 'dist/core/templates/index.js')).href)
const ingestPath = join(root, 'dist/core/ingest/index.js')
const ingest = existsSync(ingestPath) ? await import(pathToFileURL(ingestPath).href).catch(() => null) : null

/** Content after the HDFS header `081109 203530 147 INFO dfs.DataNode$DataXceiver: ` (5 fields). */
function stripHeader(line) {
  let i = 0
  for (let f = 0; f < 5; f++) {
    const sp = line.indexOf(' ', i)
    if (sp < 0) return line
    i = sp + 1
  }
  return line.slice(i)
}

async function* contentBatches() {
  if (ingest?.readRecords) {
    const stream = ingest.readRecords(file, {format: 'hdfs', batchSize: 65536})
    for await (const batch of stream.records) yield batch.map((r) => r.content)
    return
  }
  let rest = ''
  for await (const chunk of createReadStream(file, {encoding: 'utf8', highWaterMark: 8 << 20})) {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop()
    yield lines.filter((l) => l.length > 0).map(stripHeader)
  }
  if (rest) yield [stripHeader(rest)]
}

async function runFlare() {
  const miner = new TemplateMiner(configForFormat('hdfs'))
  let lines = 0
  let wall = 0
  let cpu = 0
  const t0 = performance.now()
  for await (const batch of contentBatches()) {
    const c0 = process.cpuUsage()
    const w0 = performance.now()
    for (let i = 0; i < batch.length; i++) miner.add(batch[i])
    wall += performance.now() - w0
    const c = process.cpuUsage(c0)
    cpu += (c.user + c.system) / 1000
    lines += batch.length
  }
  return {lines, wall: wall / 1000, cpu: cpu / 1000, total: (performance.now() - t0) / 1000, templates: miner.size}
}

/** Mining only, from memory: HDFS_2percent contents extracted once, mined `copies` times over. */
function runFlareInMemory() {
  const contents = readFileSync(source, 'utf8').split('\n').filter((l) => l.length > 0).map(stripHeader)
  const miner = new TemplateMiner(configForFormat('hdfs'))
  const c0 = process.cpuUsage()
  const w0 = performance.now()
  for (let k = 0; k < copies; k++) for (let i = 0; i < contents.length; i++) miner.add(contents[i])
  const wall = (performance.now() - w0) / 1000
  const c = process.cpuUsage(c0)
  return {lines: contents.length * copies, wall, cpu: (c.user + c.system) / 1e6, templates: miner.size}
}

const PY_MEM = String.raw`
import json, logging, sys, time
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
tm = TemplateMiner()
with open(sys.argv[1], encoding='utf-8') as f:
    contents = [(p[5] if len(p) == 6 else l) for l in f.read().split('\n') if l for p in [l.split(' ', 5)]]
copies = int(sys.argv[2])
w0 = time.perf_counter(); c0 = time.process_time()
for _ in range(copies):
    for c in contents:
        tm.add_log_message(c)
print(json.dumps({'lines': len(contents) * copies, 'wall': time.perf_counter() - w0, 'cpu': time.process_time() - c0, 'templates': len(tm.drain.clusters)}))
`

const PY = String.raw`
import json, logging, sys, time
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
tm = TemplateMiner()
lines = 0; wall = 0.0; cpu = 0.0
t0 = time.perf_counter()
def flush(batch):
    global lines, wall, cpu
    w0 = time.perf_counter(); c0 = time.process_time()
    for c in batch:
        tm.add_log_message(c)
    wall += time.perf_counter() - w0; cpu += time.process_time() - c0
    lines += len(batch)
batch = []
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        line = line.rstrip('\n')
        if not line:
            continue
        parts = line.split(' ', 5)
        batch.append(parts[5] if len(parts) == 6 else line)
        if len(batch) == 65536:
            flush(batch); batch = []
flush(batch)
print(json.dumps({'lines': lines, 'wall': wall, 'cpu': cpu, 'total': time.perf_counter() - t0, 'templates': len(tm.drain.clusters)}))
`

function runDrain3(script = PY, extra = [file]) {
  if (!existsSync(python)) return {error: `no python at ${python}`}
  const r = spawnSync(python, ['-c', script, ...extra], {encoding: 'utf8', maxBuffer: 1 << 24})
  if (r.status !== 0) return {error: (r.stderr || r.error?.message || 'failed').trim().split('\n').slice(-1)[0]}
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

const lineCount = (await (async () => {
  let n = 0
  for await (const chunk of createReadStream(file)) for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++
  return n
})())
console.log(`file: ${file} (${lineCount.toLocaleString('en-US')} lines); content source: ${ingest?.readRecords ? 'Flare ingest (hdfs format)' : 'header stripped (5 fields)'}`)

const noPython = args.includes('--no-python')
const flare = await runFlare()
const drain3 = noPython ? {error: 'skipped (--no-python)'} : runDrain3()
const flareMem = runFlareInMemory()
const drain3Mem = noPython ? {error: 'skipped (--no-python)'} : runDrain3(PY_MEM, [source, String(copies)])

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const row = (name, r) =>
  r.error
    ? `${name.padEnd(22)}${r.error}`
    : `${name.padEnd(22)}${fmt(r.lines).padStart(11)}${r.wall.toFixed(2).padStart(10)}${fmt(r.lines / r.wall).padStart(14)}${r.cpu.toFixed(2).padStart(10)}${fmt(r.lines / r.cpu).padStart(14)}${String(r.templates).padStart(11)}`
console.log(`\n${'miner'.padEnd(22)}${'lines'.padStart(11)}${'wall s'.padStart(10)}${'lines/s wall'.padStart(14)}${'cpu s'.padStart(10)}${'lines/s cpu'.padStart(14)}${'templates'.padStart(11)}`)
console.log('streamed from the file, batch by batch (mining timed per batch):')
console.log(row('Flare TemplateMiner', flare))
console.log(row('Python Drain3 (default)', drain3))
console.log(`in memory (HDFS_2percent contents mined ${copies} times over):`)
console.log(row('Flare TemplateMiner', flareMem))
console.log(row('Python Drain3 (default)', drain3Mem))
if (!drain3.error) {
  console.log(`\nspeed-up, streamed:  ${(drain3.wall / flare.wall).toFixed(1)}x wall, ${(drain3.cpu / flare.cpu).toFixed(1)}x cpu`)
}
if (!drain3Mem.error) {
  console.log(`speed-up, in memory: ${(drain3Mem.wall / flareMem.wall).toFixed(1)}x wall, ${(drain3Mem.cpu / flareMem.cpu).toFixed(1)}x cpu`)
}
console.log(`Flare end to end incl. reading/parsing: ${flare.total.toFixed(2)} s (${fmt(flare.lines / flare.total)} lines/s)`)
if (!drain3.error) console.log(`Drain3 end to end incl. reading/splitting: ${drain3.total.toFixed(2)} s (${fmt(drain3.lines / drain3.total)} lines/s)`)
