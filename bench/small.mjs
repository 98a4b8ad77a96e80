#!/usr/bin/env node
// `flare detect` on small logs (issue 14): wall and CPU time of the whole command, start-up
// included, on each loghub-2k log (2,000 lines) and the data/ samples, against the goal of 1 s.
//   node bench/small.mjs [--runs 5] [--systems Linux,HDFS] [--no-samples] [--cli OTHER/bin/run.js]
// Each log runs --runs times in turn (log by log, not interleaved); the table shows the median
// wall and CPU (user + sys, from GNU time when installed) per log. Start-up dominates such runs,
// so the load average (printed) matters: note it next to any figures. --cli times another build
// (say the main checkout's) in the same way, for a before/after. Prints; asserts nothing.
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {machine, runMeasured} from './lib/measure.mjs'
import {CLI, DATASETS, ROOT, requireBuild} from './lib/paths.mjs'
import {header, printTable} from './lib/table.mjs'

const GOAL_MS = 1000
const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const runs = Math.max(1, Number(option('--runs') ?? 5))
const only = option('--systems')?.split(',')
const cli = option('--cli') ?? CLI

header('flare detect on small logs: wall and CPU per run (goal < 1 s)')
requireBuild()
console.log(machine())
console.log(`CLI: ${cli}`)

const logs = []
const loghub = join(DATASETS, 'loghub-2k')
if (existsSync(loghub)) {
  for (const system of readdirSync(loghub).sort()) {
    const file = join(loghub, system, `${system}_2k.log`)
    if (existsSync(file) && (!only || only.includes(system))) logs.push({name: `loghub-2k ${system}`, file})
  }
} else console.log(`${loghub} is absent: only the data/ samples run`)
if (!args.includes('--no-samples') && !only) {
  for (const sample of ['hdfs_sample.log', 'syslog_sample.log', 'service_sample.jsonl']) logs.push({name: `data/${sample}`, file: join(ROOT, 'data', sample)})
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b)
  return s.length === 0 ? undefined : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ms = (x) => (x === undefined ? '—' : `${Math.round(x)} ms`)

const rows = []
let over = 0
for (const {name, file} of logs) {
  const walls = []
  const cpus = []
  for (let i = 0; i < runs; i++) {
    const r = await runMeasured(process.execPath, [cli, 'detect', '-i', file, '--no-track'], {cwd: ROOT, env: {...process.env, MLFLOW_TRACKING_URI: ''}})
    if (r.code !== 0) throw new Error(`flare detect -i ${file} failed (exit ${r.code}): ${r.stderr.slice(-1000)}`)
    walls.push(r.wallMs)
    cpus.push(r.cpuMs)
  }
  const wall = median(walls)
  if (wall >= GOAL_MS) over++
  rows.push([name, ms(wall), ms(median(cpus)), ms(Math.min(...walls)), wall < GOAL_MS ? 'yes' : 'NO'])
}
printTable(`median of ${runs} runs per log (flare detect -i LOG --no-track)`, ['log', 'wall', 'CPU', 'best wall', `< ${GOAL_MS / 1000} s`], rows)
console.log(`${logs.length - over} of ${logs.length} logs under ${GOAL_MS / 1000} s (median wall); load now ${machine().split('load ')[1]}`)
