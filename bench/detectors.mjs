// Detector benchmark: HDFS (block sessions, 2% sample) and BGL-2k (windows of 20 lines).
// Every detector is fitted on ALL sessions without labels, scores all, and is evaluated against the
// labels; scikit-learn peers run on the same matrices (bench/detectors_sklearn.py).
//
//   npx tsc -p .bench/tsconfig.detect.json   (written by this script if missing; builds only
//                                              src/core/detect + matrix/errors into dist/)
//   node bench/detectors.mjs [--build] [--transforms raw,log1p,binary,tfidf] [--no-sklearn]
//
// Prints a table; asserts nothing about timings.
import fs from 'node:fs'
import path from 'node:path'
import {execFileSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = path.join(root, '.bench')
fs.mkdirSync(benchDir, {recursive: true})
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const tsconfig = path.join(benchDir, 'tsconfig.detect.json')
if (!fs.existsSync(tsconfig)) {
  fs.writeFileSync(tsconfig, JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: {rootDir: '../src', outDir: '../dist', noEmitOnError: false},
    include: ['../src/core/detect/**/*.ts', '../src/core/features/matrix.ts', '../src/core/errors.ts'],
  }, null, 2))
}
if (args.includes('--build') || !fs.existsSync(path.join(root, 'dist/core/detect/registry.js'))) {
  execFileSync('npx', ['tsc', '-p', tsconfig], {cwd: root, stdio: 'inherit'})
}
const {createDetector, detectorNames} = await import(path.join(root, 'dist/core/detect/registry.js'))

const DATA = '/work/shared/datasets'

function readCsvLines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
}

/** HDFS: per-block counts of E1..E29, labels from the anomaly label file. */
function hdfs() {
  const labels = new Map()
  for (const l of readCsvLines(`${DATA}/hdfs/HDFS_2percent_anomaly_label.csv`).slice(1)) {
    const [b, y] = l.split(',')
    labels.set(b, y.trim() === 'Anomaly' ? 1 : 0)
  }
  const cols = 29
  const blocks = new Map()
  for (const l of readCsvLines(`${DATA}/hdfs/HDFS_2percent.log_eventid.csv`).slice(1)) {
    const c1 = l.indexOf(',')
    const c2 = l.indexOf(',', c1 + 1)
    const b = l.slice(c1 + 1, c2)
    const e = Number(l.slice(c2 + 2)) - 1
    let v = blocks.get(b)
    if (!v) blocks.set(b, (v = new Float64Array(cols)))
    v[e]++
  }
  const keys = [...blocks.keys()]
  const data = new Float64Array(keys.length * cols)
  keys.forEach((k, i) => data.set(blocks.get(k), i * cols))
  return {name: 'HDFS', X: {rows: keys.length, cols, data, columns: Array.from({length: cols}, (_, j) => `E${j + 1}`)}, y: Uint8Array.from(keys, (k) => labels.get(k) ?? 0)}
}

/** BGL 2k: consecutive windows of `size` lines; a window is anomalous if any line is an alert. */
function bgl(size = 20) {
  const lines = readCsvLines(`${DATA}/loghub-2k/BGL/BGL_2k.log_structured.csv`).slice(1)
  const ids = new Map()
  const rowsEv = []
  const rowsLab = []
  for (const l of lines) {
    const label = l.slice(l.indexOf(',') + 1, l.indexOf(',', l.indexOf(',') + 1))
    // EventId is the second-to-last field; templates may contain commas inside quotes, so take it
    // from the right: ...,Content,EventId,EventTemplate — EventTemplate may be quoted.
    const m = l.match(/,(E\d+),(?:"(?:[^"]|"")*"|[^,]*)$/)
    const e = m ? m[1] : 'E?'
    if (!ids.has(e)) ids.set(e, ids.size)
    rowsEv.push(ids.get(e))
    rowsLab.push(label === '-' ? 0 : 1)
  }
  const cols = ids.size
  const n = Math.ceil(rowsEv.length / size)
  const data = new Float64Array(n * cols)
  const y = new Uint8Array(n)
  for (let i = 0; i < rowsEv.length; i++) {
    const w = Math.floor(i / size)
    data[w * cols + rowsEv[i]]++
    if (rowsLab[i]) y[w] = 1
  }
  return {name: `BGL-2k(w=${size})`, X: {rows: n, cols, data, columns: [...ids.keys()]}, y}
}

const transforms = {
  raw: (X) => X,
  log1p: (X) => ({...X, data: X.data.map((v) => Math.log1p(v))}),
  binary: (X) => ({...X, data: X.data.map((v) => (v > 0 ? 1 : 0))}),
  // loglizer's tf-idf: idf = log(N / df), then zero-mean columns.
  tfidf: (X) => {
    const {rows, cols, data} = X
    const df = new Float64Array(cols)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (data[i * cols + j] > 0) df[j]++
    const out = new Float64Array(data.length)
    const mean = new Float64Array(cols)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
      out[i * cols + j] = data[i * cols + j] * Math.log(rows / Math.max(df[j], 1e-8))
      mean[j] += out[i * cols + j] / rows
    }
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] -= mean[j]
    return {...X, data: out}
  },
}

function metrics(pred, y) {
  let tp = 0, fp = 0, fn = 0
  for (let i = 0; i < y.length; i++) {
    if (pred[i] && y[i]) tp++
    else if (pred[i]) fp++
    else if (y[i]) fn++
  }
  const P = tp + fp ? tp / (tp + fp) : 0
  const R = tp + fn ? tp / (tp + fn) : 0
  return {P, R, F1: P + R ? (2 * P * R) / (P + R) : 0, flagged: tp + fp}
}

const configs = [
  ['isolation-forest', {}],
  ['isolation-forest', {contamination: 0.03}],
  ['lof', {}],
  ['one-class-svm', {}],
  ['elliptic-envelope', {}],
  ['pca', {}],
  ['invariants-mining', {}],
  ['rare-template', {}],
  ['ensemble', {members: 'invariants-mining,pca'}],
  ['ensemble', {members: 'invariants-mining,isolation-forest'}],
  ['ensemble', {members: 'rare-template,pca'}],
]
const missing = detectorNames().filter((n) => !configs.some(([c]) => c === n))
if (missing.length) console.error(`not benchmarked: ${missing.join(', ')}`)

const wanted = opt('--transforms', 'raw,log1p,binary,tfidf').split(',')
const results = []
for (const ds of [hdfs(), bgl(20)]) {
  console.log(`\n${ds.name}: ${ds.X.rows} sessions × ${ds.X.cols} features, ${ds.y.reduce((a, b) => a + b, 0)} anomalous`)
  for (const tname of wanted) {
    const X = transforms[tname](ds.X)
    for (const [name, params] of configs) {
      if (name === 'invariants-mining' && tname !== 'raw' && tname !== 'binary') continue // integer relations need counts
      const t0 = performance.now()
      const d = createDetector(name, params)
      d.fit(X)
      const pred = d.predict(X)
      const ms = performance.now() - t0
      const label = `${name}${Object.keys(params).length ? ' ' + JSON.stringify(params).replace(/"/g, '') : ''}`
      results.push({dataset: ds.name, transform: tname, detector: label, ...metrics(pred, ds.y), ms, rule: d.thresholdRule})
    }
    if (!args.includes('--no-sklearn')) {
      const file = path.join(benchDir, `${ds.name.replace(/\W+/g, '_')}_${tname}.json`)
      fs.writeFileSync(file, JSON.stringify({rows: X.rows, cols: X.cols, data: Array.from(X.data), y: Array.from(ds.y)}))
      const py = fs.existsSync(path.join(root, '.venv/bin/python')) ? path.join(root, '.venv/bin/python') : 'python3'
      try {
        const out = execFileSync(py, [path.join(root, 'bench/detectors_sklearn.py'), file], {encoding: 'utf8'})
        for (const r of JSON.parse(out)) results.push({dataset: ds.name, transform: tname, ...r, rule: 'sklearn'})
      } catch (e) {
        console.error(`sklearn peers skipped: ${e.message.split('\n')[0]}`)
      }
    }
  }
}

const pad = (s, n) => String(s).padEnd(n)
const f = (x) => x.toFixed(3)
console.log(`\n${pad('dataset', 16)}${pad('transform', 8)}${pad('detector', 58)}${pad('P', 7)}${pad('R', 7)}${pad('F1', 7)}${pad('flagged', 8)}${pad('ms', 8)}rule`)
for (const r of results) {
  console.log(`${pad(r.dataset, 16)}${pad(r.transform, 8)}${pad(r.detector, 58)}${pad(f(r.P), 7)}${pad(f(r.R), 7)}${pad(f(r.F1), 7)}${pad(r.flagged, 8)}${pad(r.ms.toFixed(0), 8)}${r.rule}`)
}
fs.writeFileSync(path.join(benchDir, 'detectors-results.json'), JSON.stringify(results, null, 2))
