#!/usr/bin/env node
// What `flare detect` raises, with default settings, on each loghub-2k system, and how well time
// windows find BGL's alerts when the label column is gone (issue 14).
//
//   node bench/loghub-incidents.mjs [--bgl-windows auto,1h] [--only BGL,Linux] [--json]
//
// 1. Every loghub-2k/<System>/<System>_2k.log: `flare detect -i F --json --no-track`; prints the
//    session key, the number of incidents by severity, the top template of the largest one, and the
//    CLI wall time (issue 14 asks for a 2,000-line detect under a second).
// 2. BGL_2k without its label column: the first field of each line (`-` for normal, an alert
//    category otherwise) is cut into a temp file, which goes through `flare detect --session-key
//    window` (auto window length, then each --bgl-windows length). A window is truly anomalous
//    when it holds a line whose label is not `-`. Flare's window F1 is printed next to the
//    baseline "flag every window holding a FATAL-level line", scored on the same windows.
// Skips with a message when the datasets are absent (FLARE_DATASETS overrides their folder).
import {runDetect} from './lib/run-detect.mjs'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CLI, DATASETS, ROOT, requireBuild} from './lib/paths.mjs'
import {f3, printTable, secs} from './lib/table.mjs'

const args = process.argv.slice(2)
const opt = (flag, dflt) => {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : dflt
}
const json = args.includes('--json')
const only = opt('--only')?.split(',')
const bglWindows = opt('--bgl-windows', 'auto,1h').split(',')
const loghub = path.join(DATASETS, 'loghub-2k')

if (!fs.existsSync(loghub)) {
  console.log(`${loghub} is absent: this bench reads the loghub-2k logs, so nothing was run (set FLARE_DATASETS to a copy of the datasets folder).`)
  process.exit(0)
}
requireBuild()

function detect(file, extra = []) {
  const r = runDetect(file, extra)
  return r.error ? {error: r.error.split('\n').slice(-1)[0], wall: r.wall} : r
}

// ---------------------------------------------------------------- 1. incidents per system
const systems = fs.readdirSync(loghub).filter((s) => fs.existsSync(path.join(loghub, s, `${s}_2k.log`)) && (!only || only.includes(s))).sort()
const perSystem = []
for (const sys of systems) {
  const {doc, error, wall} = detect(path.join(loghub, sys, `${sys}_2k.log`))
  if (error) {
    perSystem.push({system: sys, error, wall_ms: wall})
    continue
  }
  const sev = {}
  for (const inc of doc.incidents) sev[inc.severity] = (sev[inc.severity] ?? 0) + 1
  const biggest = [...doc.incidents].sort((a, b) => b.size - a.size)[0]
  perSystem.push({
    system: sys,
    format: doc.summary.format,
    session_key: doc.summary.session_key,
    sessions: doc.summary.sessions,
    anomalies: doc.summary.anomalies,
    incidents: doc.incidents.length,
    severities: sev,
    top_template: biggest?.templates?.[0]?.template ?? null,
    top_reason: biggest?.severity_reason ?? null,
    wall_ms: wall,
    elapsed_ms: doc.summary.elapsed_ms,
  })
}

// ---------------------------------------------------------------- 2. BGL without labels
const UNITS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}
function windowMs(sessionKey) {
  const m = /(\d+(?:\.\d+)?)(ms|s|m|h|d)\)?\s*$/.exec(sessionKey.replace(/\)$/, ''))
  return m ? Number(m[1]) * UNITS[m[2]] : undefined
}

/**
 * BGL lines hold three clocks (epoch seconds, a date, a local date-time); which one Flare read is
 * not part of its output, so each reading is tried and the one that reproduces Flare's per-window
 * event counts exactly is used to place lines in windows.
 */
function placeLines(lines, anomalies, size) {
  const readings = {
    epoch: (f) => Number(f[1]) * 1000,
    'date only': (f) => Date.parse((f[2] ?? '').replaceAll('.', '-') + 'T00:00:00Z'),
    'date-time as UTC': (f) => {
      const m = /^(\d{4})-(\d\d)-(\d\d)-(\d\d)\.(\d\d)\.(\d\d)(?:\.(\d+))?$/.exec(f[4] ?? '')
      return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], Math.floor(Number(`0.${m[7] ?? 0}`) * 1000)) : NaN
    },
  }
  const want = new Map(anomalies.map((a) => [Date.parse(a.session_id), a.event_count]))
  let best = null
  for (const [name, read] of Object.entries(readings)) {
    const counts = new Map()
    const at = lines.map((f) => {
      const t = read(f)
      const w = Math.floor(t / size) * size
      counts.set(w, (counts.get(w) ?? 0) + 1)
      return w
    })
    let agree = 0
    for (const [w, n] of want) if (counts.get(w) === n) agree++
    if (!best || agree > best.agree) best = {name, at, agree}
  }
  return {...best, windows: want.size}
}

function windowF1(pred, truth) {
  let tp = 0
  let fp = 0
  let fn = 0
  for (const [w, p] of pred) {
    const t = truth.has(w)
    if (p && t) tp++
    else if (p) fp++
    else if (t) fn++
  }
  const precision = tp + fp ? tp / (tp + fp) : 0
  const recall = tp + fn ? tp / (tp + fn) : 0
  return {tp, fp, fn, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0}
}

const bgl = []
const bglFile = path.join(loghub, 'BGL', 'BGL_2k.log')
if (fs.existsSync(bglFile) && (!only || only.includes('BGL'))) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-bgl-'))
  try {
    const raw = fs.readFileSync(bglFile, 'utf8').split('\n').filter((l) => l.length > 0)
    const stripped = path.join(tmp, 'BGL_2k_nolabel.log')
    fs.writeFileSync(stripped, raw.map((l) => l.slice(l.indexOf(' ') + 1)).join('\n') + '\n')
    const fields = raw.map((l) => l.split(' '))
    for (const win of bglWindows) {
      const extra = ['--session-key', 'window', ...(win === 'auto' ? [] : ['--window', win])]
      const {doc, error, wall} = detect(stripped, extra)
      if (error) {
        bgl.push({window: win, error})
        continue
      }
      const size = windowMs(doc.summary.session_key)
      const placed = placeLines(fields, doc.anomalies, size)
      const alert = new Set()
      const fatal = new Set()
      fields.forEach((f, i) => {
        if (f[0] !== '-') alert.add(placed.at[i])
        if (f[8] === 'FATAL') fatal.add(placed.at[i])
      })
      const windows = doc.anomalies.map((a) => Date.parse(a.session_id))
      const flare = windowF1(new Map(doc.anomalies.map((a) => [Date.parse(a.session_id), a.is_anomaly])), alert)
      const base = windowF1(new Map(windows.map((w) => [w, fatal.has(w)])), alert)
      bgl.push({window: win, session_key: doc.summary.session_key, format: doc.summary.format, templates: doc.summary.templates, windows: windows.length, alert_windows: alert.size, flagged: doc.anomalies.filter((a) => a.is_anomaly).length, incidents: doc.incidents.length, clock: placed.name, clock_agreement: `${placed.agree}/${placed.windows}`, flare, fatal_baseline: base, wall_ms: wall})
    }
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true})
  }
}

if (json) {
  console.log(JSON.stringify({datasets: loghub, systems: perSystem, bgl_without_labels: bgl}, null, 2))
} else {
  const order = ['critical', 'high', 'medium', 'low']
  const sevText = (s) => Object.keys(s).sort((x, y) => (order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99)).map((k) => `${s[k]} ${k}`).join(', ') || '—'
  printTable('loghub-2k: flare detect with default settings', ['system', 'format', 'sessions (key)', 'anomalous', 'incidents', 'severities', 'top template of the largest incident', 'wall', 'elapsed'], perSystem.map((r) =>
    r.error ? [r.system, '', r.error, '', '', '', '', secs(r.wall_ms), ''] : [r.system, r.format, `${r.sessions} (${r.session_key})`, r.anomalies, r.incidents, sevText(r.severities), (r.top_template ?? '—').slice(0, 60), secs(r.wall_ms), secs(r.elapsed_ms)]),
  {note: 'wall = the CLI process, Node start-up included; elapsed = summary.elapsed_ms, the pipeline alone (issue 14: a 2,000-line detect under a second)'})
  if (bgl.length > 0) {
    printTable('BGL_2k without its label column: window F1 against alert lines', ['windows', 'format', 'templates', 'windows', 'alert windows', 'flagged', 'flare P', 'flare R', 'flare F1', 'FATAL P', 'FATAL R', 'FATAL F1', 'wall'], bgl.map((b) =>
      b.error ? [b.window, b.error, '', '', '', '', '', '', '', '', '', '', ''] : [b.session_key, b.format, b.templates, b.windows, b.alert_windows, b.flagged, f3(b.flare.precision), f3(b.flare.recall), f3(b.flare.f1), f3(b.fatal_baseline.precision), f3(b.fatal_baseline.recall), f3(b.fatal_baseline.f1), secs(b.wall_ms)]),
    {note: `lines placed in windows by the clock that reproduces Flare's window counts (${bgl.filter((b) => !b.error).map((b) => `${b.window}: ${b.clock}, ${b.clock_agreement} windows agree`).join('; ')})`})
  }
}
