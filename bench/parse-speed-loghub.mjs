#!/usr/bin/env node
// `flare parse` speed on the general path (issue 18): every loghub-2k system but HDFS's fast path
// matters here, next to Python Drain3 on the same lines in the same run.
//   node bench/parse-speed-loghub.mjs [--copies 50] [--systems Linux,Mac] [--pairs 1]
// Each <S>_2k.log is repeated --copies times into a temporary file (2,000 lines are too few:
// start-up would be all there is to see). Flare parses that file end to end (`flare parse -i FILE
// -o /dev/null --json`: ingest, format detection, mining, CSV rows). Drain3 (default config,
// bench/drain3_peer.py --lines) mines the message contents Flare's ingest takes from the same
// lines, repeated the same way, one per line. Repeating a log repeats its shapes: both tools see
// the same lines, but later copies find every template already made.
// Columns: lines/s from the wall time (start-up included: node + oclif, python + drain3 import),
// and inside each tool's own loop. Flare and Drain3 run back to back per system (--pairs times, the
// median pair by wall ratio is shown). Prints tables; asserts nothing timed.
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {ensurePeers} from './lib/python.mjs'
import {machine, runMeasured} from './lib/measure.mjs'
import {CLI, DATASETS, ROOT, requireBuild} from './lib/paths.mjs'
import {header, int, printTable} from './lib/table.mjs'

const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const copies = Math.max(1, Number(option('--copies') ?? 50))
const pairs = Math.max(1, Number(option('--pairs') ?? 1))
const SYSTEMS = ['Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux', 'Mac', 'OpenSSH', 'OpenStack', 'Proxifier', 'Spark', 'Thunderbird', 'Windows', 'Zookeeper']
const systems = option('--systems')?.split(',') ?? SYSTEMS

header(`flare parse vs Drain3 per loghub-2k system (each log x${copies})`)
const loghub = join(DATASETS, 'loghub-2k')
if (!existsSync(loghub)) {
  console.log(`skipped: ${loghub} is absent`)
  process.exit(0)
}
requireBuild()
console.log(machine())
const ingest = await import(pathToFileURL(join(ROOT, 'dist/core/ingest/index.js')).href)

let python
if (!args.includes('--no-python')) {
  const peers = ensurePeers()
  if (peers.have.drain3) python = peers.python
  else console.log('Drain3 not available: peer skipped')
}

/** The message contents Flare's ingest takes from a log (format auto-detected), one line each. */
async function contentsOf(file) {
  const stream = ingest.readRecords(file, {format: 'auto'})
  const out = []
  for await (const batch of stream.records) for (const r of batch) out.push(r.content.replace(/[\r\n]+/g, ' '))
  return out
}

const repeated = (lines, n) => {
  const one = lines.join('\n') + '\n'
  return one.repeat(n)
}

const dir = mkdtempSync(join(tmpdir(), 'flare-parse-speed-'))
const rows = []
try {
  for (const system of systems) {
    const log = join(loghub, system, `${system}_2k.log`)
    if (!existsSync(log)) {
      console.log(`${system}: ${log} absent, skipped`)
      continue
    }
    const raw = readFileSync(log, 'utf8').replace(/\n$/, '').split('\n')
    const big = join(dir, `${system}.log`)
    writeFileSync(big, repeated(raw, copies))
    const contents = join(dir, `${system}.contents`)
    if (python) writeFileSync(contents, repeated(await contentsOf(log), copies))
    const measured = []
    for (let i = 0; i < pairs; i++) {
      const f = await runMeasured(process.execPath, [CLI, 'parse', '-i', big, '-o', '/dev/null', '--json'], {cwd: ROOT})
      if (f.code !== 0) throw new Error(`flare parse ${system} failed: ${f.stderr.slice(-1000)}`)
      const flare = {wallMs: f.wallMs, summary: JSON.parse(f.stdout)}
      let drain3
      if (python) {
        const d = await runMeasured(python, [join(ROOT, 'bench/drain3_peer.py'), '--lines', contents], {cwd: ROOT})
        if (d.code === 0) drain3 = {wallMs: d.wallMs, result: JSON.parse(d.stdout.trim().split('\n').pop())}
        else console.log(`Drain3 on ${system} failed: ${d.stderr.slice(-300)}`)
      }
      measured.push({flare, drain3})
    }
    const ratio = (m) => (m.drain3 ? m.drain3.wallMs / m.flare.wallMs : 0)
    const m = [...measured].sort((a, b) => ratio(a) - ratio(b))[(measured.length - 1) >> 1]
    const lines = m.flare.summary.lines
    rows.push([
      system,
      m.flare.summary.format ?? '?',
      int(lines),
      int(lines / (m.flare.wallMs / 1000)),
      int(m.flare.summary.linesPerSecond),
      m.drain3 ? int(m.drain3.result.lines / (m.drain3.wallMs / 1000)) : '—',
      m.drain3 ? int(m.drain3.result.lines_per_s) : '—',
      m.drain3 ? `${ratio(m).toFixed(1)}x` : '—',
      m.drain3 ? `${(m.flare.summary.linesPerSecond / m.drain3.result.lines_per_s).toFixed(1)}x` : '—',
    ])
    console.log(`${system} done (load ${machine().split('load ')[1]})`)
  }
} finally {
  rmSync(dir, {recursive: true, force: true})
}
printTable(
  `each <S>_2k.log x${copies}; Flare: flare parse -o /dev/null; Drain3 0.9.11: the contents Flare's ingest takes, mined whole`,
  ['system', 'format', 'lines', 'Flare lines/s (wall)', 'Flare lines/s (loop)', 'Drain3 lines/s (wall)', 'Drain3 lines/s (loop)', 'Flare/Drain3 (wall)', 'Flare/Drain3 (loop)'],
  rows,
  {note: `wall includes start-up (node + oclif; python + drain3 import); loop is each tool's own mining loop. Load at the end: ${machine().split('load ')[1]}`},
)
