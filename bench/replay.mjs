// Live detection against batch: `flare replay --max` of HDFS_2percent through the engine, scored
// with the model `flare detect --save-model` fitted on the same file, next to batch `detect
// --model`. Reports F1 of both (goal: within 0.01), the replay's throughput (lines/s, goal ≥ 300K)
// and its peak RSS (goal ≤ 300 MB). Sessions stay open until the end (--idle 7d), as batch sees
// them; a second replay with the default --idle 30m shows what splitting idle sessions costs.
// Usage: npm run build && node bench/replay.mjs
import fs from 'node:fs'
import path from 'node:path'
import {runMeasured, rssMethod, machine} from './lib/measure.mjs'
import {CLI, DATASETS, ROOT, benchOut, datasetsPresent, requireBuild} from './lib/paths.mjs'
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

await run(['detect', '-i', log, '--save-model', model, '--no-track'], 'detect --save-model')
const batch = await run(['detect', '-i', log, '--model', model, '--labels', labels, '--json', '--no-track'], 'detect --model')
const batchDoc = JSON.parse(batch.stdout)
const rows = [['batch detect --model', f3(batchDoc.evaluation.f1), int(batchDoc.summary.anomalies), '—', secs(batch.wallMs), mb(batch.peakRssKb)]]
for (const idle of ['7d', '30m']) {
  const live = await run(['replay', '-i', log, '--max', '--model', model, '--labels', labels, '--idle', idle, '--json'], `replay --idle ${idle}`)
  const doc = JSON.parse(live.stdout)
  rows.push([`replay --max --idle ${idle}`, f3(doc.evaluation.f1), int(doc.flagged.length), `${int(doc.summary.lines_per_second)} (${int(lines / (live.wallMs / 1000))} incl. start-up)`, secs(live.wallMs), mb(live.peakRssKb)])
  if (idle === '7d') console.log(`F1 live − batch: ${(doc.evaluation.f1 - batchDoc.evaluation.f1).toFixed(4)} (goal within ±0.01); detection delay p50 ${Math.round(doc.evaluation.delay_ms.p50 / 60_000)} min of log time`)
}
printTable(`replay vs batch on HDFS_2percent (${int(lines)} lines) — ${machine()}`, ['run', 'F1', 'flagged', 'lines/s', 'wall', 'peak RSS'], rows, {note: `peak RSS by ${rssMethod()}; lines/s is the replay's own count (reading + engine), start-up excluded`})
