#!/usr/bin/env node
// Load test of `flare serve` on 127.0.0.1 with autocannon, bounded duration: GET /health and
// POST /detect with a 2,000-line HDFS log at fixed concurrency. Prints requests/s, p50/p99
// latency, errors and non-2xx, and the server's RSS sampled every second of the /detect phase,
// with a verdict: flat when the mean of its last third is within 10% of its middle third (the
// first third is V8 heaps and SQLite's page cache warming up). Asserts nothing.
//   node bench/load.mjs [--duration 10] [--detect-duration 45] [--health-connections 20] [--detect-connections 4]
import autocannon from 'autocannon'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const duration = arg('duration', 10)
const detectDuration = arg('detect-duration', 45)
const healthConnections = arg('health-connections', 20)
const detectConnections = arg('detect-connections', 4)

const log = readFileSync(path.join(root, 'data/hdfs_sample.log'), 'utf8').split('\n').slice(0, 2000).join('\n') + '\n'
const body = JSON.stringify({log_text: log})
const dir = mkdtempSync(path.join(tmpdir(), 'flare-load-'))

const server = spawn(process.execPath, [path.join(root, 'bin/run.js'), 'serve', '--port', '0', '--db', path.join(dir, 'history.db'), '--queue', String(detectConnections * 2), '--no-track'], {stdio: ['ignore', 'pipe', 'inherit']})
const url = await new Promise((resolve, reject) => {
  let out = ''
  server.stdout.on('data', (d) => {
    out += d
    const match = /serving on (http:\/\/[\d.:]+)/.exec(out)
    if (match) resolve(match[1])
  })
  server.on('exit', (code) => reject(new Error(`server exited with ${code}`)))
})

const rss = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}
const samples = []
let sampler

async function run(title, options) {
  const result = await autocannon({url: `${url}${options.path}`, duration, ...options})
  return {
    test: title,
    connections: options.connections,
    'req/s': Math.round(result.requests.average * 10) / 10,
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

const startRss = rss()
const rows = []
try {
  rows.push(await run('GET /health', {path: '/health', connections: healthConnections}))
  const afterHealth = rss()
  sampler = setInterval(() => samples.push(rss()), 1000)
  rows.push(await run(`POST /detect (2,000 lines, ${detectDuration} s)`, {path: '/detect', method: 'POST', headers: {'content-type': 'application/json'}, body, connections: detectConnections, duration: detectDuration}))
  clearInterval(sampler)
  console.table(rows)
  const third = Math.floor(samples.length / 3)
  const [first, middle, last] = [samples.slice(0, third), samples.slice(third, 2 * third), samples.slice(2 * third)]
  const drift = (mean(last) - mean(middle)) / mean(middle)
  console.log(`server RSS MB: start ${startRss.toFixed(0)}, after /health ${afterHealth.toFixed(0)}, /detect thirds (mean of 1 s samples) ${mean(first).toFixed(0)} / ${mean(middle).toFixed(0)} / ${mean(last).toFixed(0)}, peak ${Math.max(...samples).toFixed(0)}, end ${rss().toFixed(0)}`)
  console.log(`RSS per second during /detect: ${samples.map((v) => v.toFixed(0)).join(' ')}`)
  console.log(samples.length < 9
    ? 'verdict: too short to tell (give --detect-duration 30 or more)'
    : `verdict: ${Math.abs(drift) <= 0.1 ? 'flat' : drift > 0 ? 'GROWING' : 'shrinking'} (last third ${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}% vs middle third; flat = within 10%)`)
} finally {
  clearInterval(sampler)
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  rmSync(dir, {recursive: true, force: true})
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
}
