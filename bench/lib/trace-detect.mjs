// Stage tracer: runs the same pipeline as `flare detect` (dist/core/pipeline.js detect()) and
// prints each stage as it starts, with elapsed time, RSS and V8 heap, plus read progress every
// million lines — so a run that dies (out of memory, too slow) shows exactly where. Ends with one
// JSON line: timings per stage, evaluation, peak heap seen.
//
//   node [--max-old-space-size=N] bench/lib/trace-detect.mjs -i LOG [--labels CSV] [-d DETECTOR]
import path from 'node:path'
import {ROOT} from './paths.mjs'

const args = process.argv.slice(2)
const opt = (a, b) => {
  const i = args.findIndex((x) => x === a || x === b)
  return i >= 0 ? args[i + 1] : undefined
}
const input = opt('-i', '--input')
if (!input) {
  console.error('usage: trace-detect.mjs -i LOG [--labels CSV] [-d DETECTOR]')
  process.exit(2)
}
const {detect} = await import(path.join(ROOT, 'dist/core/pipeline.js'))

const t0 = performance.now()
let peakHeap = 0
const mem = () => {
  const m = process.memoryUsage()
  peakHeap = Math.max(peakHeap, m.heapUsed)
  return `rss ${(m.rss / 2 ** 20).toFixed(0)} MB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MB, external+buffers ${((m.external + m.arrayBuffers) / 2 ** 20).toFixed(0)} MB`
}
const stamp = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s]`
let nextReport = 1_000_000
const out = await detect({
  input,
  labelsPath: opt('--labels'),
  detector: opt('-d', '--detector'),
  onStage: (stage, detail) => console.error(`${stamp()} stage ${stage}${detail ? ` (${detail})` : ''} — ${mem()}`),
  onProgress: (lines) => {
    if (lines >= nextReport) {
      console.error(`${stamp()}   read ${lines.toLocaleString('en-US')} lines — ${mem()}`)
      nextReport += 1_000_000
    }
  },
})
console.error(`${stamp()} done — ${mem()}`)
const {summary, evaluation} = out.results
console.log(JSON.stringify({timings: out.timings, summary, evaluation, matrix: {rows: out.matrix.rows, cols: out.matrix.cols}, peak_heap_mb: Math.round(peakHeap / 2 ** 20)}))
