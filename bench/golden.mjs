#!/usr/bin/env node
// Behaviour fingerprint: `flare parse` CSVs and `flare detect` results (elapsed times removed) on
// every sample in data/ and every loghub-2k log, plus HDFS_2percent detect and a HDFS x1 parse.
// `node bench/golden.mjs save DIR` writes them; `node bench/golden.mjs check DIR` compares a build
// against a saved set byte for byte and lists every difference. A refactor must pass `check`.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const datasets = fs.realpathSync.native(fs.existsSync(path.resolve(root, '..', 'shared', 'datasets')) ? path.resolve(root, '..', 'shared', 'datasets') : root)
const [mode, dir] = process.argv.slice(2)
if (!['save', 'check'].includes(mode) || !dir) {
  console.error('usage: node bench/golden.mjs save|check DIR')
  process.exit(2)
}
const inputs = [
  ['hdfs_sample', path.join(root, 'data/hdfs_sample.log')],
  ['service_sample', path.join(root, 'data/service_sample.jsonl')],
  ['syslog_sample', path.join(root, 'data/syslog_sample.log')],
]
const loghub = path.join(datasets, 'loghub-2k')
if (fs.existsSync(loghub)) {
  for (const sys of fs.readdirSync(loghub).sort()) {
    const f = path.join(loghub, sys, `${sys}_2k.log`)
    if (fs.existsSync(f)) inputs.push([`loghub-${sys}`, f])
  }
} else console.error(`golden: ${loghub} absent, loghub-2k logs left out`)
const big = path.join(datasets, 'hdfs/HDFS_2percent.log')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-golden-'))
const run = (args) => execFileSync(process.execPath, [path.join(root, 'bin/run.js'), ...args], {
  encoding: 'utf8', maxBuffer: 1 << 30, env: {...process.env, NO_COLOR: '1', MLFLOW_TRACKING_URI: ''},
  stdio: ['ignore', 'pipe', 'ignore'],
})
const strip = (json) => {
  const doc = JSON.parse(json)
  const drop = (o) => {
    if (Array.isArray(o)) return o.forEach(drop)
    if (o && typeof o === 'object') for (const k of Object.keys(o)) {
      if (/elapsed|_ms$|generated_at|created_at/.test(k)) delete o[k]
      else drop(o[k])
    }
  }
  drop(doc)
  // Paths differ between checkouts (worktrees, CI): compare them relative to the repository.
  return JSON.stringify(doc, null, 1).split(root + path.sep).join('<repo>/').split(datasets + path.sep).join('<datasets>/')
}
const out = {}
for (const [name, file] of inputs) {
  const csv = path.join(tmp, `${name}.csv`)
  run(['parse', '-i', file, '-o', csv])
  out[`${name}.parse.csv`] = fs.readFileSync(csv, 'utf8')
  out[`${name}.parse_templates.csv`] = fs.readFileSync(path.join(tmp, `${name}_templates.csv`), 'utf8')
  out[`${name}.detect.json`] = strip(run(['detect', '-i', file, '--json', '--no-track']))
}
if (fs.existsSync(big)) {
  out['HDFS_2percent.detect.json'] = strip(run(['detect', '-i', big, '--json', '--no-track']))
  const csv = path.join(tmp, 'big.csv')
  run(['parse', '-i', big, '-o', csv])
  out['HDFS_2percent.parse.csv.sha256'] = createHash('sha256').update(fs.readFileSync(csv)).digest('hex')
  out['HDFS_2percent.parse_templates.csv'] = fs.readFileSync(path.join(tmp, 'big_templates.csv'), 'utf8')
}
fs.rmSync(tmp, {recursive: true, force: true})
if (mode === 'save') {
  fs.mkdirSync(dir, {recursive: true})
  for (const [k, v] of Object.entries(out)) fs.writeFileSync(path.join(dir, k), v)
  console.log(`golden: saved ${Object.keys(out).length} files to ${dir}`)
} else {
  let bad = 0
  for (const [k, v] of Object.entries(out)) {
    const f = path.join(dir, k)
    if (!fs.existsSync(f)) { console.log(`MISSING in saved set: ${k}`); bad++; continue }
    if (fs.readFileSync(f, 'utf8') !== v) { console.log(`DIFFERS: ${k}`); bad++ }
  }
  console.log(`golden: ${Object.keys(out).length - bad} identical, ${bad} different`)
  process.exit(bad ? 1 : 0)
}
