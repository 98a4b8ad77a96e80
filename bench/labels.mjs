// Loading a label file of the whole HDFS log's size: the ×50 scaled labels (575,050 rows, the
// file bench/scale.mjs makes), read by Flare's plain-file reader and by csv-parse (the general
// path, taken for quoted or non-ASCII files), each in a fresh process (module loading included,
// as in a `detect --labels` run) and then warm, 3 times. Prints the figures; asserts nothing.
//
//   npm run build && node bench/labels.mjs [--copies 50] [--dir /tmp/flare-scale]
import {execFileSync} from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import {machine} from './lib/measure.mjs'
import {datasetsPresent, requireBuild, ROOT} from './lib/paths.mjs'
import {buildScaledHdfs} from './lib/scale.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const copies = Number(opt('--copies', '50'))
const dir = opt('--dir', path.join(os.tmpdir(), 'flare-scale'))

requireBuild()
if (!datasetsPresent()) {
  console.log('skipped: HDFS_2percent.log is absent (see bench/README.md for the datasets)')
  process.exit(0)
}
const {labels} = buildScaledHdfs(copies, dir)
// One child per reader: its first load (fresh process, modules included) and two warm ones.
const child = `
const t0 = performance.now()
const {readLabels} = await import(${JSON.stringify(path.join(ROOT, 'dist/core/evaluate/labels.js'))})
const times = []
let rows = 0
for (let i = 0; i < 3; i++) {
  const t = performance.now()
  const set = await readLabels(process.argv[1], {fast: process.argv[2] === 'fast'})
  times.push(performance.now() - (i === 0 ? t0 : t))
  rows = set.labels.size
}
const cpu = process.cpuUsage()
console.log(JSON.stringify({rows, times, cpuMs: (cpu.user + cpu.system) / 1000}))
`
console.log(`machine: ${machine()}`)
for (const reader of ['fast', 'csv-parse']) {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child, labels, reader], {encoding: 'utf8'}))
  const [first, ...warm] = out.times.map((ms) => `${(ms / 1000).toFixed(2)} s`)
  console.log(`${reader === 'fast' ? 'plain-file reader' : 'csv-parse'}: ${out.rows.toLocaleString('en-US')} rows · first load ${first} (fresh process, modules included) · warm ${warm.join(', ')} · process CPU for all 3 ${(out.cpuMs / 1000).toFixed(2)} s`)
}
