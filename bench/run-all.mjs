// Run every benchmark in bench/ one after another, each under a header, and print a summary.
// Scripts are discovered (bench/*.mjs except this one), so a new bench is picked up without edits:
// the known ones run in this order, any others after them alphabetically.
//
//   npm run bench                      (builds dist/ first)
//   node bench/run-all.mjs [--only detect,parse-ga] [--skip drain-speed]
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {DATASETS, datasetsPresent, ROOT} from './lib/paths.mjs'
import {machine} from './lib/measure.mjs'
import {header, printTable, secs} from './lib/table.mjs'

const ORDER = ['parse-ga', 'parse-speed', 'drain-speed', 'detectors', 'detect']
const args = process.argv.slice(2)
const list = (flag) => {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1].split(',').map((s) => s.replace(/\.mjs$/, '')) : undefined
}
const only = list('--only')
const skip = list('--skip') ?? []

if (!datasetsPresent()) {
  console.log(`${DATASETS} is absent: every bench here measures the shared HDFS / loghub datasets, so nothing was run.`)
  console.log('Point FLARE_DATASETS at a copy of the datasets folder to run them.')
  process.exit(0)
}

const benchDir = path.join(ROOT, 'bench')
const found = fs.readdirSync(benchDir).filter((f) => f.endsWith('.mjs') && f !== 'run-all.mjs').map((f) => f.slice(0, -4))
const scripts = [...ORDER.filter((n) => found.includes(n)), ...found.filter((n) => !ORDER.includes(n)).sort()]
for (const n of ORDER) if (!found.includes(n)) console.log(`(bench/${n}.mjs not present: skipped)`)

console.log(`flare benchmarks — ${new Date().toISOString()} — ${machine()}`)
const summary = []
for (const name of scripts) {
  if ((only && !only.includes(name)) || skip.includes(name)) {
    summary.push([name, 'skipped (--only/--skip)', ''])
    continue
  }
  header(`bench/${name}.mjs`)
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [path.join(benchDir, `${name}.mjs`)], {cwd: ROOT, stdio: 'inherit'})
  const status = r.error ? `failed to start: ${r.error.message}` : r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`
  summary.push([name, status, secs(performance.now() - t0)])
}
printTable('bench summary', ['bench', 'status', 'wall'], summary)
process.exitCode = summary.some(([, s]) => s.startsWith('exit') || s.startsWith('failed')) ? 1 : 0
