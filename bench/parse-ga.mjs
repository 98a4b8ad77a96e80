#!/usr/bin/env node
// Grouping accuracy (GA, loghub definition) of Flare's template miner on the loghub 2k logs,
// against the original loghub-2k ground truth and the corrected loghub-2.0 one.
//
//   npx tsc -p bench/tsconfig.templates.json   (or: npx tsc -p . --noEmitOnError false)
//   node bench/parse-ga.mjs [--content-column] [--systems HDFS,BGL] [--verbose] [--no-drain3] [--no-refine]
//
// A second table scores the same run against the Loghub-2.0 ground truth with its four metrics
// (GA; PA, the share of messages whose template is exactly the true one; FGA and FTA, the F1 of
// correctly grouped templates and of correctly grouped templates with the exact text), for Flare
// and for Drain3 (default config, bench/drain3_peer.py in the bench venv) on the same contents.
// A row's template is its template's final text, as `flare parse` writes it.
// Speed per system (flare parse lines/s next to Drain3 on the same lines): bench/parse-speed-loghub.mjs.
//
// Default mode reads the raw <Sys>_2k.log through Flare's ingest (format auto-detection) and mines
// each record's `.content`; --content-column mines the CSV's Content column instead. The mode is
// printed with the table. Everything uses default settings: only the format name picks defaults.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parse} from 'csv-parse/sync'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'

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

/** Groups of line indexes by label. */
function groupsOf(labels) {
  const groups = new Map()
  labels.forEach((l, i) => {
    const g = groups.get(l)
    if (g) g.push(i)
    else groups.set(l, [i])
  })
  return groups
}

const normalise = (t) => t.trim().split(/\s+/).join(' ')

/** Loghub-2.0 metrics: GA, PA, FGA, FTA (Jiang et al., ISSTA 2024). */
function loghub2Metrics(predIds, predTemplates, truthIds, truthTemplates) {
  const n = predIds.length
  let pa = 0
  for (let i = 0; i < n; i++) if (normalise(predTemplates[i]) === normalise(truthTemplates[i])) pa++
  const pred = groupsOf(predIds)
  const trueSize = new Map([...groupsOf(truthIds)].map(([k, v]) => [k, v.length]))
  let correctGroups = 0
  let correctTemplates = 0
  for (const lines of pred.values()) {
    const t = truthIds[lines[0]]
    if (!lines.every((i) => truthIds[i] === t) || trueSize.get(t) !== lines.length) continue
    correctGroups++
    if (normalise(predTemplates[lines[0]]) === normalise(truthTemplates[lines[0]])) correctTemplates++
  }
  const f1 = (correct) => {
    const p = correct / pred.size
    const r = correct / trueSize.size
    return p + r === 0 ? 0 : (2 * p * r) / (p + r)
  }
  return {ga: groupingAccuracy(predIds, truthIds), pa: pa / n, fga: f1(correctGroups), fta: f1(correctTemplates)}
}

/** Drain3 (default config) on the same contents, or null when its venv cannot be had. */
let drain3Python
async function drain3Parse(contents) {
  if (drain3Python === undefined) {
    drain3Python = null
    try {
      const {ensurePeers} = await import('./lib/python.mjs')
      const peers = ensurePeers()
      if (peers.have.drain3) drain3Python = peers.python
    } catch (error) {
      console.error(`Drain3 peer unavailable: ${error.message}`)
    }
  }
  if (!drain3Python) return null
  const dir = mkdtempSync(join(tmpdir(), 'flare-ga-'))
  try {
    const file = join(dir, 'contents.json')
    writeFileSync(file, JSON.stringify(contents))
    const out = execFileSync(drain3Python, [join(root, 'bench/drain3_peer.py'), '--contents', file], {encoding: 'utf8', maxBuffer: 256 * 2 ** 20})
    const {ids, templates} = JSON.parse(out.trim().split('\n').pop())
    return {ids: ids.map(String), templates: ids.map((id) => templates[id])}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
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
  const mined = contents.map((c) => miner.add(c).templateId)
  // The final view of the run, as `flare parse` writes it: the second pass (refine) splits
  // templates by the few words some of their positions take; --no-refine shows the first pass.
  const refinement = flag('--no-refine') ? null : miner.refine()
  const parts = mined.map((id, i) => refinement?.part(contents[i], id))
  const ids = mined.map((id, i) => parts[i]?.id ?? id)
  const predictedTemplates = mined.map((id, i) => parts[i]?.template ?? miner.template(id)?.template ?? id)
  const row = {sys, format, n: contents.length, found: new Set(ids).size}
  row.ga1 = groupingAccuracy(ids, gt1.map((r) => r.EventId))
  row.true1 = new Set(gt1.map((r) => r.EventId)).size
  const csv2 = join(datasets, 'loghub-2.0-2k', sys, `${sys}_2k.log_structured_corrected.csv`)
  if (existsSync(csv2)) {
    const gt2 = readCsv(csv2)
    if (gt2.length === ids.length) {
      row.ga2 = groupingAccuracy(ids, gt2.map((r) => r.EventTemplate))
      row.true2 = new Set(gt2.map((r) => r.EventTemplate)).size
      const truthIds = gt2.map((r) => r.EventId)
      const truthTemplates = gt2.map((r) => r.EventTemplate)
      row.flare2 = loghub2Metrics(ids, predictedTemplates, truthIds, truthTemplates)
      const d = flag('--no-drain3') ? null : await drain3Parse(contents)
      if (d) row.drain2 = loghub2Metrics(d.ids, d.templates, truthIds, truthTemplates)
    }
  }
  rows.push(row)
  if (flag('--verbose')) {
    for (const t of miner.templates()) console.log(`  ${sys} ${t.id} x${t.count}: ${t.template}`)
    void predictedTemplates
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

const scored = rows.filter((r) => r.flare2)
if (scored.length > 0) {
  const four = (m) => (m ? ['ga', 'pa', 'fga', 'fta'].map((k) => m[k].toFixed(3)).join('  ') : '  -      -      -      -  ')
  console.log(`\nLoghub-2.0 ground truth (corrected), four metrics; same contents for both parsers`)
  console.log(`${pad('system', 12)}${pad('Flare GA     PA     FGA    FTA', 32)}Drain3 GA    PA     FGA    FTA`)
  for (const r of scored) console.log(`${pad(r.sys, 12)}${pad(four(r.flare2), 32)}${four(r.drain2)}`)
  const avg = (key) => {
    const ms = scored.map((r) => r[key]).filter(Boolean)
    if (ms.length !== scored.length) return null
    return Object.fromEntries(['ga', 'pa', 'fga', 'fta'].map((k) => [k, mean(ms.map((m) => m[k]))]))
  }
  console.log(`${pad(`mean (${scored.length})`, 12)}${pad(four(avg('flare2')), 32)}${four(avg('drain2'))}`)
}
