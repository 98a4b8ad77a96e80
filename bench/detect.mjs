// `flare detect` benchmark: accuracy of every detector on HDFS_2percent beside scikit-learn on the
// same matrix, generalisation to other logs with the same defaults, speed against the Python
// reference pipeline (Drain3 + scikit-learn IsolationForest), and a ~11M-line scale run.
// Prints tables; asserts nothing timed. See bench/README.md for the protocol.
//
//   npm run bench:detect                       (builds dist/ first)
//   node bench/detect.mjs [--only accuracy,generalisation,speed,scale] [--copies 50]
//                         [--detectors a,b] [--repeat 3] [--timeout-min 15] [--trace] [--no-python]
import fs from 'node:fs'
import path from 'node:path'
import {codeVersion, machine, rssMethod, runMeasured} from './lib/measure.mjs'
import {prf} from './lib/metrics.mjs'
import {BENCH_OUT, benchOut, CLI, DATASETS, datasetsPresent, requireBuild, ROOT} from './lib/paths.mjs'
import {ensurePeers, runPeer, sklearnEnv} from './lib/python.mjs'
import {buildScaledHdfs} from './lib/scale.mjs'
import {f3, header, int, mb, printTable, secs} from './lib/table.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const SECTIONS = opt('--only', 'accuracy,generalisation,speed,scale').split(',')
const COPIES = Number(opt('--copies', '50'))
const REPEAT = Number(opt('--repeat', '3'))
const TIMEOUT_MS = Number(opt('--timeout-min', '15')) * 60_000
const usePython = !args.includes('--no-python')

requireBuild()
const {detectorNames, detectorFeatures, DEFAULT_DETECTOR} = await import(path.join(ROOT, 'dist/core/detect/registry.js'))
const {detect} = await import(path.join(ROOT, 'dist/core/pipeline.js'))

const HDFS_LOG = `${DATASETS}/hdfs/HDFS_2percent.log`
const HDFS_LABELS = `${DATASETS}/hdfs/HDFS_2percent_anomaly_label.csv`
const DETECTORS = opt('--detectors') ? opt('--detectors').split(',') : detectorNames()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const rel = (p) => (p.startsWith(ROOT) ? path.relative(ROOT, p) : p)
const featureKey = (name) => {
  const f = detectorFeatures(name)
  return `${f.sets.join('+')}${f.transform === 'none' ? '' : `, ${f.transform}`}`
}

/** `flare detect` through the built CLI; results JSON goes to .bench/ and is parsed back. */
async function flare(input, {labels, detector, extra = [], timeoutMs = TIMEOUT_MS, nodeArgs = [], tag = 'run'} = {}) {
  const outFile = benchOut(`detect-${tag}.json`)
  const argv = [...nodeArgs, CLI, 'detect', '-i', input, '--json', ...(labels ? ['--labels', labels] : []), ...(detector ? ['-d', detector] : []), ...extra]
  const run = await runMeasured(process.execPath, argv, {cwd: ROOT, stdoutFile: outFile, timeoutMs})
  let results
  if (run.code === 0 && !run.timedOut) {
    try {
      results = JSON.parse(fs.readFileSync(outFile, 'utf8'))
    } catch (e) {
      run.parseError = e.message
    }
  }
  return {...run, results, command: `node ${argv.map((a) => rel(a)).join(' ')}`}
}

function failure(run) {
  if (run.timedOut) return `timed out after ${secs(run.wallMs)}`
  const tail = run.stderr.trim().split('\n').slice(-3).join(' | ')
  return `exit ${run.code}${run.signal ? ` (${run.signal})` : ''}: ${tail.slice(0, 300)}`
}

let peers
function python() {
  if (!usePython) return {python: undefined, have: {drain3: false, sklearn: false}}
  return (peers ??= ensurePeers())
}

// ---------------------------------------------------------------------------------------------
// 1. Accuracy on HDFS_2percent, every detector, default settings, beside scikit-learn
// ---------------------------------------------------------------------------------------------
async function accuracy() {
  header('1. Accuracy — HDFS_2percent (222,579 lines, 11,501 blocks, 350 anomalous), default settings, fit on all blocks without labels')
  const rows = []
  const matrices = new Map() // feature config → {file, meta}
  for (const name of DETECTORS) {
    const cli = await flare(HDFS_LOG, {labels: HDFS_LABELS, detector: name, tag: `acc-${name}`})
    if (!cli.results) {
      rows.push([name, featureKey(name), '—', '—', '—', '—', '—', '—', '—', '—', '—', secs(cli.wallMs), failure(cli)])
      continue
    }
    // The same pipeline in-process for the fit/score split and the matrix handed to scikit-learn.
    const out = await detect({input: HDFS_LOG, labelsPath: HDFS_LABELS, detector: name})
    const e = cli.results.evaluation
    const same = out.results.evaluation.f1 === e.f1 ? '' : ` (in-process F1 ${f3(out.results.evaluation.f1)})`
    const key = featureKey(name)
    if (!matrices.has(key)) {
      const stem = `hdfs2pct-matrix-${key.replace(/\W+/g, '_')}`
      const bin = benchOut(`${stem}.f64`)
      fs.writeFileSync(bin, Buffer.from(out.matrix.data.buffer, out.matrix.data.byteOffset, out.matrix.data.byteLength))
      const meta = {rows: out.matrix.rows, cols: out.matrix.cols, columns: out.matrix.columns, labels: Array.from({length: out.labels.length}, (_, i) => (out.labels.at(i) ? 1 : 0))}
      fs.writeFileSync(benchOut(`${stem}.json`), JSON.stringify(meta))
      matrices.set(key, {bin, meta: benchOut(`${stem}.json`), rows: meta.rows, cols: meta.cols})
    }
    rows.push([
      name === DEFAULT_DETECTOR ? `${name} (default)` : name,
      `${key} (${out.matrix.cols} cols)`,
      f3(e.precision), f3(e.recall), f3(e.f1), int(cli.results.summary.anomalies),
      int(out.timings.read_ms), int(out.timings.fit_ms), int(out.timings.score_ms),
      int(out.results.summary.elapsed_ms - out.timings.read_ms - out.timings.fit_ms - out.timings.score_ms),
      int(out.results.summary.elapsed_ms), secs(cli.wallMs), same.trim(),
    ])
    console.log(`  ${name}: F1 ${f3(e.f1)}, fit ${out.timings.fit_ms} ms, score ${out.timings.score_ms} ms, CLI wall ${secs(cli.wallMs)}${same}`)
  }
  let blas = ''
  const {have} = python()
  if (have.sklearn) {
    const {env, removed} = sklearnEnv()
    for (const [key, m] of matrices) {
      try {
        const r = runPeer(['matrix', m.bin, m.meta], {env})
        for (const p of r.results) rows.push([p.detector, `Flare's ${key} matrix (${m.cols} cols)`, f3(p.P), f3(p.R), f3(p.F1), int(p.flagged), '—', int(p.fit_ms), int(p.score_ms), '—', '—', '—', p.note ?? ''])
        blas = r.blas.filter((b) => b.internal_api === 'openblas').map((b) => `OpenBLAS ${b.version} kernel ${b.architecture}, ${b.num_threads} threads`).join('; ')
      } catch (err) {
        rows.push([`scikit-learn on ${key}`, '', '—', '—', '—', '—', '—', '—', '—', '—', `failed: ${err.message.split('\n')[0]}`])
      }
    }
    blas = `scikit-learn peers: ${blas || 'no OpenBLAS reported'}${removed.length ? ` (unset for the peer only: ${removed.join(', ')})` : ''}`
  } else {
    blas = 'scikit-learn peers skipped: scikit-learn not available in .venv-bench'
  }
  const blank = ['', '', '', '', '', '', '']
  rows.push(['reference: Drain3 + sklearn IsolationForest', 'Drain3 templates, counts', '0.764', '0.563', '0.648', ...blank, 'datasets/README.md'])
  rows.push(['reference: Invariants Mining (loglizer)', 'ground-truth events, counts', '', '', '0.921', ...blank, 'loglizer 50/50 split protocol'])
  printTable('HDFS_2percent — accuracy per detector (all blocks scored)', ['detector', 'features', 'P', 'R', 'F1', 'flagged', 'read ms', 'fit ms', 'score ms', 'other ms', 'pipeline ms', 'CLI wall', 'note'], rows, {
    note: `Flare stage times are from the in-process pipeline run (timings); other = labels, features, incidents, samples, evaluation; pipeline = summary.elapsed_ms of that run. CLI wall = a separate \`flare detect --json\` run (start-up, JSON output included) whose P/R/F1 are shown. ${blas}`,
  })
}

// ---------------------------------------------------------------------------------------------
// 2. Generalisation: same defaults on other logs
// ---------------------------------------------------------------------------------------------

/** BGL per-line alert labels: first token `-` = normal. Returns [{t (ms), alert}] by epoch token. */
function bglLines(file) {
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).map((l) => {
    const [label, epoch] = l.split(' ', 2)
    return {t: Number(epoch) * 1000, alert: label !== '-'}
  })
}

function windowMsOf(sessionKey) {
  // "window (5m)", "window (5m, step 1m)", "window (auto: 1d)" (the length Flare picked itself).
  const m = /window \((?:auto: )?(\d+(?:\.\d+)?)(ms|s|m|h|d)\b/.exec(sessionKey)
  if (!m) throw new Error(`cannot read the window length from session_key "${sessionKey}"`)
  return Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[m[2]]
}

async function generalisation() {
  header('2. Generalisation — same defaults, no per-dataset switches')
  const bglFile = `${DATASETS}/loghub-2k/BGL/BGL_2k.log`
  const sets = [
    {name: 'service_sample.jsonl', input: path.join(ROOT, 'data/service_sample.jsonl'), labels: path.join(ROOT, 'data/service_sample_labels.csv')},
    {name: 'hdfs_sample.log', input: path.join(ROOT, 'data/hdfs_sample.log'), labels: path.join(ROOT, 'data/hdfs_sample_labels.csv')},
    {name: 'syslog_sample.log', input: path.join(ROOT, 'data/syslog_sample.log'), incident: ['2026-11-18T05:10:00.000Z', '2026-11-18T05:20:00.000Z']},
    {name: 'BGL_2k.log', input: bglFile, bgl: true},
  ]
  const rows = []
  for (const ds of sets) {
    if (!fs.existsSync(ds.input)) {
      rows.push([ds.name, '', '', '', '', '', '', '', `missing: ${ds.input}`])
      continue
    }
    const lines = ds.bgl ? bglLines(ds.input) : undefined
    for (const name of DETECTORS) {
      const run = await flare(ds.input, {labels: ds.labels, detector: name, tag: `gen-${name}`})
      const label = name === DEFAULT_DETECTOR ? `${name} (default)` : name
      if (!run.results) {
        rows.push([ds.name, '', label, '', '', '', '', '', failure(run)])
        continue
      }
      const {summary, evaluation, anomalies} = run.results
      const flagged = `${summary.anomalies}/${summary.sessions}`
      let P, R, F1, note = ''
      if (evaluation) {
        ;({precision: P, recall: R, f1: F1} = evaluation)
      } else if (ds.bgl) {
        // Window label = the window [start, start + W) holds at least one alert line.
        const W = windowMsOf(summary.session_key)
        const y = anomalies.map((a) => {
          const s = Date.parse(a.session_id)
          return lines.some((l) => l.alert && l.t >= s && l.t < s + W) ? 1 : 0
        })
        const m = prf(anomalies.map((a) => (a.is_anomaly ? 1 : 0)), y)
        ;({P, R, F1} = m)
        note = `${y.reduce((a, b) => a + b, 0)} of ${y.length} windows hold an alert`
      } else if (ds.incident) {
        const [a, b] = ds.incident.map(Date.parse)
        const W = windowMsOf(summary.session_key)
        const hits = anomalies.filter((x) => x.is_anomaly)
        const overlaps = (x) => Date.parse(x.session_id) < b && Date.parse(x.session_id) + W > a
        const incidentWindows = anomalies.filter(overlaps).length
        const inIncident = hits.filter(overlaps)
        const times = hits.map((x) => x.session_id.slice(11, 16))
        note = `incident 05:10–05:20 ${inIncident.length ? 'FOUND' : 'MISSED'} (${inIncident.length} of its ${incidentWindows} windows flagged); flagged ${times.length > 6 ? times.slice(0, 6).join(', ') + ', …' : times.join(', ') || 'none'}`
      }
      rows.push([ds.name, `${summary.format}, ${summary.session_key}`, label, flagged, f3(P), f3(R), f3(F1), secs(run.wallMs), note])
    }
  }
  printTable('Generalisation — flare detect defaults per detector', ['dataset', 'format, sessions', 'detector', 'flagged', 'P', 'R', 'F1', 'CLI wall', 'note'], rows, {
    note: 'BGL_2k: window labels computed by this bench from per-line alert labels (window holds an alert line); syslog: no labels.',
  })
}

// ---------------------------------------------------------------------------------------------
// 3. Speed vs Drain3 + scikit-learn, then the ~11M-line scale run
// ---------------------------------------------------------------------------------------------
async function speed() {
  header(`3a. Speed — HDFS_2percent end to end, flare detect (${DEFAULT_DETECTOR}) vs Drain3 + scikit-learn IsolationForest, median of ${REPEAT}`)
  const {python: py, have} = python()
  const runPy = have.drain3 && have.sklearn
  if (!runPy) console.log('Python peer skipped: Drain3 and scikit-learn are both needed (.venv-bench)')
  const fl = []
  const pe = []
  for (let i = 0; i < REPEAT; i++) {
    const r = await flare(HDFS_LOG, {labels: HDFS_LABELS, tag: 'speed'})
    if (!r.results) throw new Error(`flare detect failed: ${failure(r)}`)
    fl.push({wall: r.wallMs, cpu: r.cpuMs, rss: r.peakRssKb, inner: r.results.summary.elapsed_ms, f1: r.results.evaluation.f1})
    if (runPy) {
      const {env} = sklearnEnv()
      const p = await runMeasured(py, [path.join(ROOT, 'bench/detect_peer.py'), 'pipeline', HDFS_LOG, HDFS_LABELS], {cwd: ROOT, env})
      if (p.code !== 0) {
        console.log(`Python peer failed: ${failure(p)}`)
      } else {
        const j = JSON.parse(p.stdout.trim().split('\n').pop())
        pe.push({wall: p.wallMs, cpu: p.cpuMs, rss: p.peakRssKb, inner: j.total_ms - j.import_ms, f1: j.F1, j})
      }
    }
    console.log(`  run ${i + 1}: flare ${secs(fl.at(-1).wall)}${pe[i] ? `, python ${secs(pe[i].wall)}` : ''} (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`)
  }
  const med = (xs, k) => median(xs.map((x) => x[k]))
  const cpuRatio = pe.length && fl[0].cpu !== undefined ? (med(pe, 'cpu') / med(fl, 'cpu')).toFixed(2) : '—'
  const rows = [[`flare detect (${DEFAULT_DETECTOR}, Node CLI)`, secs(med(fl, 'wall')), secs(med(fl, 'cpu')), secs(med(fl, 'inner')), mb(med(fl, 'rss')), f3(fl[0].f1), '1.00', '1.00', '1.00']]
  if (pe.length) {
    const j = [...pe].sort((a, b) => a.wall - b.wall)[Math.floor((pe.length - 1) / 2)].j
    rows.push([`Drain3 + sklearn IsolationForest (Python)`, secs(med(pe, 'wall')), secs(med(pe, 'cpu')), secs(med(pe, 'inner')), mb(med(pe, 'rss')), f3(pe[0].f1), (med(pe, 'wall') / med(fl, 'wall')).toFixed(2), cpuRatio, (med(pe, 'inner') / med(fl, 'inner')).toFixed(2)])
    console.log(`  python stages (median-wall run): imports ${int(j.import_ms)} ms, Drain3 parse ${int(j.parse_ms)} ms (${int(j.lines_per_s)} lines/s), matrix ${int(j.matrix_ms)} ms, fit ${int(j.fit_ms)} ms, predict ${int(j.score_ms)} ms; ${j.templates} clusters`)
  }
  printTable('HDFS_2percent — end-to-end speed', ['pipeline', 'wall', 'CPU', 'work', 'peak RSS', 'F1', 'wall ÷ flare', 'CPU ÷ flare', 'work ÷ flare'], rows, {
    note: `wall = process start to exit (interpreter start-up and imports included); CPU = user+sys of the process (fairer on a busy machine; Python's BLAS/OpenMP may use both cores); work = flare summary.elapsed_ms (labels, read, features, fit, score, incidents, evaluation) / Python read+Drain3+matrix+fit+predict after imports. Medians of ${REPEAT} alternating runs. Peak RSS by ${rssMethod()}. ${machine()}`,
  })
}

async function scale() {
  header(`3b. Scale — HDFS_2percent × ${COPIES} (block ids re-keyed per copy), flare detect default detector`)
  const {log, labels} = buildScaledHdfs(COPIES)
  const size = fs.statSync(log).size
  console.log(`input ${rel(log)} (${(size / 2 ** 30).toFixed(2)} GB), labels ${rel(labels)}; timeout ${secs(TIMEOUT_MS)}`)
  const attempts = []
  let run = await flare(log, {labels, tag: `scale-x${COPIES}`})
  attempts.push({heap: 'default', run})
  if (!run.results && /heap out of memory|Allocation failed/i.test(run.stderr)) {
    console.log(`default V8 heap failed (${failure(run)}); retrying with --max-old-space-size=16384`)
    run = await flare(log, {labels, tag: `scale-x${COPIES}`, nodeArgs: ['--max-old-space-size=16384']})
    attempts.push({heap: '--max-old-space-size=16384', run})
  }
  const rows = attempts.map(({heap, run: r}) => {
    const s = r.results?.summary
    const e = r.results?.evaluation
    return [
      heap, r.results ? 'ok' : failure(r), secs(r.wallMs), secs(r.cpuMs), s ? secs(s.elapsed_ms) : '—', mb(r.peakRssKb),
      s ? int(s.lines) : '—', s ? int(s.sessions) : '—', s ? int(s.lines / (r.wallMs / 1000)) : '—',
      e ? f3(e.precision) : '—', e ? f3(e.recall) : '—', e ? f3(e.f1) : '—',
    ]
  })
  printTable(`HDFS × ${COPIES} — flare detect end to end`, ['node heap', 'status', 'wall', 'CPU', 'in-process', 'peak RSS', 'lines', 'blocks', 'lines/s (wall)', 'P', 'R', 'F1'], rows, {
    note: `command: ${run.command}\nPeak RSS by ${rssMethod()}. ${machine()}`,
  })
  // The CLI prints no stage progress when stderr is not a terminal: on failure (or with --trace)
  // run the stage tracer, the same pipeline in-process, to show where time and memory go.
  if (!run.results || args.includes('--trace')) {
    console.log(`\nstage trace (${run.results ? '--trace' : 'the CLI run failed: finding where'}): node bench/lib/trace-detect.mjs -i ${rel(log)} --labels ${rel(labels)}`)
    const nodeArgs = attempts.at(-1).heap === 'default' ? [] : ['--max-old-space-size=16384']
    const t = await runMeasured(process.execPath, [...nodeArgs, path.join(ROOT, 'bench/lib/trace-detect.mjs'), '-i', log, '--labels', labels], {cwd: ROOT, timeoutMs: TIMEOUT_MS, echoStderr: true})
    console.log(t.code === 0 && !t.timedOut ? `trace: ${t.stdout.trim()}\ntrace peak RSS ${mb(t.peakRssKb)}, wall ${secs(t.wallMs)}` : `trace run ended: ${failure(t)}; RSS at last poll ${mb(t.lastRssKb)}, peak ${mb(t.peakRssKb)}`)
  }
}

// ---------------------------------------------------------------------------------------------
if (!datasetsPresent()) {
  console.log(`${DATASETS} is absent: bench/detect.mjs needs the shared HDFS and loghub datasets; skipped.`)
  process.exit(0)
}
console.log(`flare detect bench — ${new Date().toISOString()} — ${machine()} — ${codeVersion(ROOT)}; dist/ built ${fs.statSync(path.join(ROOT, 'dist/core/pipeline.js')).mtime.toISOString()}`)
console.log(`detectors: ${DETECTORS.join(', ')} (default ${DEFAULT_DETECTOR}); outputs in ${rel(BENCH_OUT)}/`)
if (SECTIONS.includes('accuracy')) await accuracy()
if (SECTIONS.includes('generalisation')) await generalisation()
if (SECTIONS.includes('speed')) await speed()
if (SECTIONS.includes('scale')) await scale()
