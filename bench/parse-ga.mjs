#!/usr/bin/env node
// Grouping accuracy (GA, loghub definition) of Flare's template miner on the loghub 2k logs,
// against the original loghub-2k ground truth and the corrected loghub-2.0 one.
//
//   npx tsc -p bench/tsconfig.templates.json   (or: npx tsc -p . --noEmitOnError false)
//   node bench/parse-ga.mjs [--content-column] [--systems HDFS,BGL] [--verbose]
//
// Default mode reads the raw <Sys>_2k.log through Flare's ingest (format auto-detection) and mines
// each record's `.content`; --content-column mines the CSV's Content column instead. The mode is
// printed with the table. Everything uses default settings: only the format name picks defaults.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parse} from 'csv-parse/sync'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const datasets = process.env.FLARE_DATASETS ?? join(root, '..', 'shared', 'datasets')
const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

const SYSTEMS = [
  'Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux',
  'Mac', 'OpenSSH', 'OpenStack', 'Proxifier', 'Spark', 'Thunderbird', 'Windows', 'Zookeeper',
]
// Which per-format defaults the content-column mode uses (the ingest mode takes the detected format).
const FORMAT_OF = {HDFS: 'hdfs', BGL: 'bgl', OpenSSH: 'openssh', Linux: 'syslog', Mac: 'syslog'}

const templates = await import(pathToFileURL(join(root, 'dist/core/templates/index.js')).href).catch((error) => {
  console.error(`cannot load dist/core/templates (${error.message}); build first: npx tsc -p bench/tsconfig.templates.json`)
  process.exit(2)
})
const {TemplateMiner, configForFormat} = templates

let ingest = null
if (!flag('--content-column')) {
  const p = join(root, 'dist/core/ingest/index.js')
  if (existsSync(p)) ingest = await import(pathToFileURL(p).href).catch(() => null)
  if (!ingest?.readRecords) {
    ingest = null
    console.error('note: dist/core/ingest/index.js (readRecords) not available; falling back to --content-column mode')
  }
}

/** Records of the raw log via Flare's ingest (readRecords, format auto-detection). */
async function ingestContents(file) {
  const stream = ingest.readRecords(file, {format: 'auto'})
  const records = []
  for await (const batch of stream.records) for (const r of batch) records.push(r)
  return {records, format: stream.detection ? ingest.describeDetection(stream.detection) : '?'}
}

function readCsv(file) {
  return parse(readFileSync(file), {columns: true, skip_empty_lines: true, relax_quotes: true})
}

/** loghub GA: a line is correct when its predicted group equals its true group as a set. */
function groupingAccuracy(predicted, truth) {
  const byPred = new Map()
  for (let i = 0; i < predicted.length; i++) {
    let g = byPred.get(predicted[i])
    if (!g) byPred.set(predicted[i], (g = []))
    g.push(i)
  }
  const trueSize = new Map()
  for (const t of truth) trueSize.set(t, (trueSize.get(t) ?? 0) + 1)
  let correct = 0
  for (const lines of byPred.values()) {
    const t = truth[lines[0]]
    if (lines.every((i) => truth[i] === t) && trueSize.get(t) === lines.length) correct += lines.length
  }
  return correct / predicted.length
}

const only = option('--systems')?.split(',')
const systems = only ?? SYSTEMS
const rows = []
let mode = ingest ? 'ingest (raw .log, auto-detected format)' : 'CSV Content column'
for (const sys of systems) {
  const dir1 = join(datasets, 'loghub-2k', sys)
  const csv1 = join(dir1, `${sys}_2k.log_structured.csv`)
  if (!existsSync(csv1)) {
    console.error(`skip ${sys}: ${csv1} not found`)
    continue
  }
  const gt1 = readCsv(csv1)
  let contents = gt1.map((r) => r.Content)
  let format = FORMAT_OF[sys] ?? 'generic'
  if (ingest) {
    const got = await ingestContents(join(dir1, `${sys}_2k.log`))
    if (got.records.length === gt1.length) {
      contents = got.records.map((r) => r.content)
      format = got.records[0].format ?? format
    } else {
      console.error(`${sys}: ingest gave ${got.records.length} records for ${gt1.length} ground-truth lines (${got.format}); using the CSV Content`)
      mode = 'ingest (raw .log, auto-detected format); * = record count differed, CSV Content used'
      format += '*'
    }
  }
  const miner = new TemplateMiner(configForFormat(format.replace('*', '')))
  const ids = contents.map((c) => miner.add(c).templateId)
  const predictedIds = ids.map((id) => miner.template(id)?.template ?? id)
  const row = {sys, format, n: contents.length, found: miner.size}
  row.ga1 = groupingAccuracy(ids, gt1.map((r) => r.EventId))
  row.true1 = new Set(gt1.map((r) => r.EventId)).size
  const csv2 = join(datasets, 'loghub-2.0-2k', sys, `${sys}_2k.log_structured_corrected.csv`)
  if (existsSync(csv2)) {
    const gt2 = readCsv(csv2)
    if (gt2.length === ids.length) {
      row.ga2 = groupingAccuracy(ids, gt2.map((r) => r.EventTemplate))
      row.true2 = new Set(gt2.map((r) => r.EventTemplate)).size
    }
  }
  rows.push(row)
  if (flag('--verbose')) {
    for (const t of miner.templates()) console.log(`  ${sys} ${t.id} x${t.count}: ${t.template}`)
    void predictedIds
  }
}

const pad = (s, n) => String(s).padEnd(n)
const num = (x) => (x === undefined ? '   -  ' : x.toFixed(4))
console.log(`\nFlare TemplateMiner grouping accuracy — content source: ${mode}`)
console.log(`${pad('system', 12)}${pad('format', 10)}${pad('GA loghub-2k', 14)}${pad('found/true', 12)}${pad('GA loghub-2.0', 15)}found/true`)
for (const r of rows) {
  console.log(
    `${pad(r.sys, 12)}${pad(r.format, 10)}${pad(num(r.ga1), 14)}${pad(`${r.found}/${r.true1}`, 12)}${pad(num(r.ga2), 15)}${r.true2 === undefined ? '-' : `${r.found}/${r.true2}`}`,
  )
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const with2 = rows.filter((r) => r.ga2 !== undefined)
console.log(`${pad(`mean (${rows.length})`, 22)}${pad(num(mean(rows.map((r) => r.ga1))), 26)}${num(mean(with2.map((r) => r.ga2)))} (over ${with2.length})`)
if (with2.length !== rows.length) {
  console.log(`mean loghub-2k over the same ${with2.length} systems: ${num(mean(with2.map((r) => r.ga1)))}`)
}
