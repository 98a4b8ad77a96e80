// Live detection against batch: `flare replay --max` of HDFS_2percent through the engine, scored
// with the model `flare detect --save-model` fitted on the same file, next to batch `detect
// --model`. Reports F1 of both (goal: within 0.01), the replay's throughput (lines/s, goal ≥ 300K
// on the ×10 file), its peak RSS (goal ≤ 300 MB), the most sessions open at once, and the median
// detection delay of injected anomalies.
// Runs: --idle from the model (the default), --idle 7d (sessions open to the end, as batch sees
// them), --idle 30m (the old default), the ×10 file, and an --inject run on HDFS_2percent.
// The ×10 file is HDFS_2percent ten times with block ids re-keyed per copy (bench/lib/scale.mjs)
// and, for a live replay, each copy's dates moved 3 days on (copy c: +3c days), so event time runs
// forward as on a real stream (with the dates repeated, every copy after the first is "late").
// Usage: npm run build && node bench/replay.mjs [--no-x10 | --x10-only] [--x10-runs N]
//   --x10-only: only the model fit and the ×10 replay; --x10-runs N: the ×10 replay N times (peak
//   RSS varies with GC timing). RSS over time of each ×10 run is printed under the table.
import fs from 'node:fs'
import path from 'node:path'
import {runMeasured, rssMethod, rssOverTime, machine, stealText} from './lib/measure.mjs'
import {CLI, DATASETS, ROOT, benchOut, datasetsPresent, requireBuild} from './lib/paths.mjs'
import {buildScaledHdfs} from './lib/scale.mjs'
import {f3, int, mb, printTable, secs} from './lib/table.mjs'

requireBuild()
if (!datasetsPresent()) {
  console.log(`skipped: ${path.join(DATASETS, 'hdfs/HDFS_2percent.log')} is absent (the HDFS datasets are not mounted)`)
  process.exit(0)
}
const log = path.join(DATASETS, 'hdfs/HDFS_2percent.log')
const labels = path.join(DATASETS, 'hdfs/HDFS_2percent_anomaly_label.csv')
const model = benchOut('replay-model')
const env = {...process.env, NO_COLOR: '1', MLFLOW_TRACKING_URI: ''}
const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length

const run = async (args, what) => {
  const r = await runMeasured(process.execPath, [CLI, ...args], {cwd: ROOT, env})
  if (r.code !== 0) {
    console.error(`${what} failed (exit ${r.code}): ${r.stderr.slice(0, 800)}`)
    process.exit(1)
  }
  return r
}

/** HDFS_2percent ×copies, re-keyed as scale.mjs does, each copy's dates moved 3 days on. */
function buildLiveScaled(copies) {
  const out = benchOut(`HDFS_2percent_x${copies}_live.log`)
  const scaled = buildScaledHdfs(copies)
  if (fs.existsSync(out) && fs.statSync(out).size === fs.statSync(scaled.log).size) return {log: out, labels: scaled.labels}
  const text = fs.readFileSync(log, 'utf8')
  const fd = fs.openSync(`${out}.tmp`, 'w')
  const dates = new Map()
  const shift = (yymmdd, days) => {
    const key = `${yymmdd}+${days}`
    if (!dates.has(key)) {
      const d = new Date(Date.UTC(2000 + Number(yymmdd.slice(0, 2)), Number(yymmdd.slice(2, 4)) - 1, Number(yymmdd.slice(4, 6)) + days))
      dates.set(key, [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate()].map((n) => String(n).padStart(2, '0')).join(''))
    }
    return dates.get(key)
  }
  for (let c = 0; c < copies; c++) {
    const suffix = String(c).padStart(2, '0')
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + 4_000_000)
      if (end < text.length) end = text.indexOf('\n', end) + 1 || text.length
      fs.writeSync(fd, text.slice(start, end).replace(/blk_(-?\d+)/g, (_m, d) => `blk_${d}${suffix}`).replace(/^(\d{6}) /gm, (_m, d) => `${shift(d, 3 * c)} `))
      start = end
    }
  }
  fs.closeSync(fd)
  fs.renameSync(`${out}.tmp`, out)
  return {log: out, labels: scaled.labels}
}

const cpu = (r) => (r.cpuMs === undefined ? '—' : secs(r.cpuMs))
const minutes = (ms) => (ms === undefined ? '—' : `${Math.round(ms / 60_000)} min`)

const x10Only = process.argv.includes('--x10-only')
const x10Runs = Math.max(1, Number(process.argv[process.argv.indexOf('--x10-runs') + 1]) || 1)
await run(['detect', '-i', log, '--save-model', model, '--no-track'], 'detect --save-model')
const batch = await run(['detect', '-i', log, '--model', model, '--labels', labels, '--json', '--no-track'], 'detect --model')
const batchDoc = JSON.parse(batch.stdout)
const head = ['run', 'lines', 'F1', 'flagged', 'incidents', 'lines/s', 'wall', 'CPU', 'steal', 'peak RSS', 'max open sessions', 'delay p50']
const rows = [['batch detect --model', int(lines), f3(batchDoc.evaluation.f1), int(batchDoc.summary.anomalies), int(batchDoc.incidents.length), '—', secs(batch.wallMs), cpu(batch), stealText(batch).replace('steal ', ''), mb(batch.peakRssKb), '—', '—']]
const replayRow = (name, r, doc, n) => [name, int(n), doc.evaluation ? f3(doc.evaluation.f1) : '—', int(doc.flagged.length), int(doc.summary.engine.incidentsOpened), `${int(doc.summary.lines_per_second)} (${int(n / (r.wallMs / 1000))} incl. start-up; ${r.cpuMs ? int(n / (r.cpuMs / 1000)) : '?'} per CPU-s)`, secs(r.wallMs), cpu(r), stealText(r).replace('steal ', ''), mb(r.peakRssKb), int(doc.summary.engine.maxOpenSessions), minutes(doc.evaluation?.delay_ms.p50)]

for (const idle of x10Only ? [] : [undefined, '7d', '30m']) {
  const args = ['replay', '-i', log, '--max', '--model', model, '--labels', labels, '--json', ...(idle ? ['--idle', idle] : [])]
  const live = await run(args, `replay --idle ${idle ?? '(default)'}`)
  const doc = JSON.parse(live.stdout)
  rows.push(replayRow(`replay --max${idle ? ` --idle ${idle}` : ' (--idle from the model)'}`, live, doc, lines))
  if (!idle) console.log(`F1 live − batch: ${(doc.evaluation.f1 - batchDoc.evaluation.f1).toFixed(4)} (goal within ±0.01)`)
}

const truth = benchOut('replay-injected.csv')
const kinds = 'error:0.01,burst:0.01,drop:0.01,duplicate:0.01,reorder:0.01,silent:0.01,latency:0.01,seed=7'
let injectedDoc
if (!x10Only) {
  const injected = await run(['replay', '-i', log, '--max', '--model', model, '--inject', kinds, '--truth', truth, '--json'], 'replay --inject')
  injectedDoc = JSON.parse(injected.stdout)
  rows.push(replayRow(`replay --max --inject (${injectedDoc.injected} sessions)`, injected, injectedDoc, injectedDoc.summary.lines))
}

const rssLines = []
if (!process.argv.includes('--no-x10')) {
  const big = buildLiveScaled(10)
  const bigLines = lines * 10
  for (let i = 1; i <= x10Runs; i++) {
    const live = await run(['replay', '-i', big.log, '--max', '--model', model, '--labels', big.labels, '--json'], 'replay ×10')
    rows.push(replayRow(`replay --max, HDFS ×10 (dates shifted per copy)${x10Runs > 1 ? ` #${i}` : ''}`, live, JSON.parse(live.stdout), bigLines))
    rssLines.push(`RSS over time, ×10 replay${x10Runs > 1 ? ` #${i}` : ''} (peak per tenth of the run): ${rssOverTime(live.rssSamples)}`)
  }
}
printTable(`replay vs batch on HDFS_2percent (${int(lines)} lines) — ${machine()}`, head, rows, {note: `peak RSS by ${rssMethod()}; steal: the share of the machine's CPU time the VM host took during the run (other guests), which slows a run without any change to its code; lines/s is the replay's own count (reading + engine), start-up excluded; delay p50 = median detection delay (log time) of the labelled (or injected) anomalies caught; injected kinds: ${kinds}`})
for (const line of rssLines) console.log(line)
if (!injectedDoc) process.exit(0)
const byKind = new Map()
const flagged = new Set(injectedDoc.flagged)
for (const row of fs.readFileSync(truth, 'utf8').trim().split('\n').slice(1)) {
  const [session, , kind] = row.split(',')
  const k = byKind.get(kind) ?? {n: 0, caught: 0}
  k.n++
  if (flagged.has(session)) k.caught++
  byKind.set(kind, k)
}
printTable('injected anomalies caught, by kind', ['kind', 'injected', 'caught'], [...byKind].map(([kind, k]) => [kind, int(k.n), `${int(k.caught)} (${Math.round((100 * k.caught) / Math.max(1, k.n))}%)`]))
