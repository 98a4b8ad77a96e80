#!/usr/bin/env node
// Load test of `flare serve` on 127.0.0.1 with autocannon, bounded duration: GET /health and
// POST /detect with a 2,000-line HDFS log at fixed concurrency. Prints requests/s, p50/p99
// latency, errors and non-2xx, and the server's RSS (start, peak, end). Asserts nothing.
//   node bench/load.mjs [--duration 10] [--health-connections 20] [--detect-connections 4]
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
const healthConnections = arg('health-connections', 20)
const detectConnections = arg('detect-connections', 4)

const log = readFileSync(path.join(root, 'data/hdfs_sample.log'), 'utf8').split('\n').slice(0, 2000).join('\n') + '\n'
const body = JSON.stringify({log_text: log})
const dir = mkdtempSync(path.join(tmpdir(), 'flare-load-'))

const server = spawn(process.execPath, [path.join(root, 'bin/run.js'), 'serve', '--port', '0', '--db', path.join(dir, 'history.db'), '--queue', String(detectConnections * 2)], {stdio: ['ignore', 'pipe', 'inherit']})
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
const sampler = setInterval(() => samples.push(rss()), 250)

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
  rows.push(await run('POST /detect (2,000 lines)', {path: '/detect', method: 'POST', headers: {'content-type': 'application/json'}, body, connections: detectConnections}))
  const mid = samples.length >> 1
  console.table(rows)
  const detectSamples = samples.slice(mid)
  console.log(`server RSS MB: start ${startRss.toFixed(0)}, after /health ${afterHealth.toFixed(0)}, peak ${Math.max(...samples).toFixed(0)}, ` +
    `during /detect first half mean ${mean(detectSamples.slice(0, detectSamples.length >> 1)).toFixed(0)} vs second half mean ${mean(detectSamples.slice(detectSamples.length >> 1)).toFixed(0)}, end ${rss().toFixed(0)}`)
} finally {
  clearInterval(sampler)
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  rmSync(dir, {recursive: true, force: true})
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
}
