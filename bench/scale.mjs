// `flare detect` at scale: HDFS_2percent repeated ×50 (11.1M lines, 1.6 GB) and ×100, block ids
// re-keyed per copy (bench/lib/scale.mjs), built once in the temp dir (never in the repo). Runs the
// built CLI with the labels and prints wall time, CPU time (user+sys: the machine is shared, so
// wall alone says little), peak RSS and F1. Asserts nothing.
//
// `--block-sets N`: every copy past the N-th re-uses an earlier copy's block ids (×100 over ×50's
// blocks: twice the lines in the same sessions), to tell memory that grows with lines from
// memory that grows with sessions.
//
//   npm run build && node bench/scale.mjs [--copies 50,100] [--block-sets 50] [--dir /tmp/flare-scale] [--extra "--jobs 1"]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {machine, rssMethod, runMeasured, stealText} from './lib/measure.mjs'
import {CLI, datasetsPresent, requireBuild, ROOT} from './lib/paths.mjs'
import {buildScaledHdfs} from './lib/scale.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const COPIES = opt('--copies', '50').split(',').map(Number)
const DIR = opt('--dir', path.join(os.tmpdir(), 'flare-scale'))
const BLOCK_SETS = opt('--block-sets') === undefined ? undefined : Number(opt('--block-sets'))
const EXTRA = (opt('--extra', '') ?? '').split(' ').filter(Boolean)

requireBuild()
if (!datasetsPresent()) {
  console.log('skipped: HDFS_2percent.log is absent (see bench/README.md for the datasets)')
  process.exit(0)
}
console.log(`machine: ${machine()}; peak RSS by ${rssMethod()}`)
const done = []
for (const copies of COPIES) {
  const sets = Math.min(BLOCK_SETS ?? copies, copies)
  const {log, labels} = buildScaledHdfs(copies, DIR, sets)
  const outFile = path.join(DIR, `detect-x${copies}${sets === copies ? '' : `-blocks${sets}`}.json`)
  const argv = [CLI, 'detect', '-i', log, '--labels', labels, '--json', ...EXTRA]
  const run = await runMeasured(process.execPath, argv, {cwd: ROOT, stdoutFile: outFile})
  if (run.code !== 0) {
    console.log(`×${copies}: exit ${run.code}${run.signal ? ` (${run.signal})` : ''}\n${run.stderr.slice(-2000)}`)
    continue
  }
  const results = JSON.parse(fs.readFileSync(outFile, 'utf8'))
  const {summary, evaluation} = results
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`
  console.log([
    `×${copies}${sets === copies ? '' : ` over ×${sets}'s blocks`}: ${summary.lines.toLocaleString('en-US')} lines, ${summary.sessions.toLocaleString('en-US')} sessions, ${summary.templates} templates`,
    `wall ${s(run.wallMs)}`,
    `cpu ${run.cpuMs === undefined ? '?' : s(run.cpuMs)}`,
    stealText(run),
    `peak RSS ${(run.peakRssKb / 1024).toFixed(0)} MB`,
    `F1 ${evaluation?.f1?.toFixed(3) ?? '-'} (P ${evaluation?.precision?.toFixed(3)}, R ${evaluation?.recall?.toFixed(3)})`,
  ].join(' · '))
  done.push({name: `×${copies}${sets === copies ? '' : ` over ×${sets}'s blocks`}`, peakMb: run.peakRssKb / 1024, sessions: summary.sessions, lines: summary.lines})
}
// How the peak grows from the first run: with sessions (each costs memory once read) or with lines
// (which should cost none: the goal is ×100 within 1.3× of ×50, lines doubled over the same sessions).
const [first, ...later] = done
for (const run of later) {
  const x = (a, b) => `×${(a / b).toFixed(2)}`
  const added = run.sessions - first.sessions
  const perSession = added > 0 ? ((run.peakMb - first.peakMb) * 2 ** 20) / added : 0
  let per = ''
  if (added > 0) {
    // The peak as a fixed part plus a cost a session: what 1.3× would leave a session, at these counts.
    const fixedMb = first.peakMb - (perSession * first.sessions) / 2 ** 20
    const room = run.sessions - 1.3 * first.sessions
    const budget = room > 0 ? `; within ×1.3 would need ≤ ${((0.3 * fixedMb * 2 ** 20) / room).toFixed(0)} bytes a session, all in (the part that does not grow: ${fixedMb.toFixed(0)} MB)` : ''
    per = `, ${perSession.toFixed(0)} bytes a session added${budget}`
  }
  console.log(`${run.name} against ${first.name}: peak ${x(run.peakMb, first.peakMb)} with sessions ${x(run.sessions, first.sessions)} and lines ${x(run.lines, first.lines)}${per}`)
}
