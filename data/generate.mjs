#!/usr/bin/env node
// Generates Flare's labelled sample logs in data/ (deterministic: same seed, same bytes).
//   node data/generate.mjs            writes the files next to this script
//   node data/generate.mjs --check    exits 1 if the committed files differ from a fresh run
// The shapes follow real HDFS DataNode/NameNode, JSON service and syslog lines; the values are made up.
// Multi-host syslog with injected incidents and a truth file: data/generate-multihost.mjs (bench/INCIDENTS.md).
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {prng} from './multihost/util.mjs'

const here = dirname(fileURLToPath(import.meta.url))


const pad = (n, w = 2) => String(n).padStart(w, '0')

// ---------------------------------------------------------------- HDFS
function hdfs() {
  const r = prng(20081109)
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const nodes = Array.from({length: 24}, () => `10.251.${int(30, 127)}.${int(2, 250)}`)
  const events = [] // {t, pid, level, comp, msg}
  const labels = []
  const start = Date.UTC(2008, 10, 9, 20, 35, 0)
  const anomalyKinds = ['write-exception', 'empty-packet-missing-receive', 'redundant-store', 'delete-not-found', 'responder-timeout']
  const blocks = 360
  const anomalous = new Set()
  while (anomalous.size < 14) anomalous.add(int(0, blocks - 1))
  let kindIx = 0
  for (let b = 0; b < blocks; b++) {
    const id = `blk_${r() < 0.5 ? '-' : ''}${String(int(1e8, 9e8))}${String(int(1e9, 9e9))}`
    const t0 = start + b * int(3000, 9000)
    const size = pick([67108864, 67108864, 67108864, int(1000, 67108863)])
    const replicas = [pick(nodes), pick(nodes), pick(nodes)]
    const path = `/user/root/rand${pick(['', '2', 'txt', 'txt4'])}/_temporary/_task_200811092030_0001_m_${pad(int(0, 999), 6)}_0/part-${pad(int(0, 999), 5)}`
    const kind = anomalous.has(b) ? anomalyKinds[kindIx++ % anomalyKinds.length] : 'normal'
    labels.push([id, kind === 'normal' ? 'Normal' : 'Anomaly'])
    const ev = (dt, level, comp, msg) => events.push({t: t0 + dt, pid: int(13, 160), level, comp, msg})
    ev(0, 'INFO', 'dfs.FSNamesystem', `BLOCK* NameSystem.allocateBlock: ${path}. ${id}`)
    replicas.forEach((n, i) => ev(100 + i * 10, 'INFO', 'dfs.DataNode$DataXceiver', `Receiving block ${id} src: /${replicas[Math.max(0, i - 1)]}:${int(30000, 60000)} dest: /${n}:50010`))
    const received = kind === 'empty-packet-missing-receive' ? replicas.slice(0, 1) : replicas
    if (kind === 'write-exception') {
      ev(900, 'INFO', 'dfs.DataNode$DataXceiver', `writeBlock ${id} received exception java.io.IOException: ${pick(['Could not read from stream', 'Connection reset by peer'])}`)
      ev(905, 'INFO', 'dfs.DataNode$PacketResponder', `PacketResponder ${id} 1 Exception java.io.IOException: Broken pipe`)
      ev(910, 'WARN', 'dfs.DataNode$DataXceiver', `${replicas[1]}:50010:Got exception while serving ${id} to /${replicas[2]}:`)
    }
    if (kind === 'empty-packet-missing-receive') ev(950, 'INFO', 'dfs.DataNode$BlockReceiver', `Receiving empty packet for block ${id}`)
    if (kind === 'responder-timeout') {
      ev(1500, 'INFO', 'dfs.DataNode$PacketResponder', `PacketResponder ${id} 2 Exception java.net.SocketTimeoutException: 63000 millis timeout while waiting for channel to be ready for read. ch : java.nio.channels.SocketChannel[connected local=/${replicas[1]}:50010 remote=/${replicas[2]}:${int(30000, 60000)}]`)
      ev(1510, 'INFO', 'dfs.DataNode$PacketResponder', `PacketResponder 2 for block ${id} Interrupted.`)
    }
    received.forEach((n, i) => {
      ev(2000 + i * 20, 'INFO', 'dfs.DataNode$PacketResponder', `Received block ${id} of size ${size} from /${n}`)
      ev(2005 + i * 20, 'INFO', 'dfs.DataNode$PacketResponder', `PacketResponder ${2 - i} for block ${id} terminating`)
      ev(2100 + i * 20, 'INFO', 'dfs.FSNamesystem', `BLOCK* NameSystem.addStoredBlock: blockMap updated: ${n}:50010 is added to ${id} size ${size}`)
    })
    if (kind === 'redundant-store') {
      ev(2600, 'WARN', 'dfs.FSNamesystem', `BLOCK* NameSystem.addStoredBlock: Redundant addStoredBlock request received for ${id} on ${replicas[0]}:50010 size ${size}`)
      ev(2700, 'INFO', 'dfs.FSNamesystem', `BLOCK* NameSystem.addStoredBlock: addStoredBlock request received for ${id} on ${replicas[1]}:50010 size ${size} But it does not belong to any file.`)
    }
    if (r() < 0.35) ev(int(5000, 60000), 'INFO', 'dfs.DataNode$DataXceiver', `${replicas[0]}:50010 Served block ${id} to /${pick(nodes)}`)
    if (r() < 0.2) ev(int(5000, 60000), 'INFO', 'dfs.DataBlockScanner', `Verification succeeded for ${id}`)
    if (r() < 0.8 || kind === 'delete-not-found') {
      const dt = int(60000, 400000)
      replicas.forEach((n, i) => {
        ev(dt + i, 'INFO', 'dfs.FSNamesystem', `BLOCK* NameSystem.delete: ${id} is added to invalidSet of ${n}:50010`)
        if (kind === 'delete-not-found' && i === 2) ev(dt + 900, 'WARN', 'dfs.FSDataset', `Unexpected error trying to delete block ${id}. BlockInfo not found in volumeMap.`)
        else ev(dt + 800 + i, 'INFO', 'dfs.FSDataset', `Deleting block ${id} file /mnt/hadoop/dfs/data/current/subdir${int(0, 63)}/${id}`)
      })
    }
  }
  events.sort((a, b) => a.t - b.t)
  const lines = events.map((e) => {
    const d = new Date(e.t)
    const date = `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`
    const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
    return `${date} ${time} ${e.pid} ${e.level} ${e.comp}: ${e.msg}`
  })
  return {
    'hdfs_sample.log': lines.join('\n') + '\n',
    'hdfs_sample_labels.csv': 'BlockId,Label\n' + labels.map((l) => l.join(',')).join('\n') + '\n',
  }
}

// ---------------------------------------------------------------- JSON service log, request-keyed
function service() {
  const r = prng(424242)
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const hex = (n) => Array.from({length: n}, () => '0123456789abcdef'[int(0, 15)]).join('')
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
  const routes = ['/api/orders', '/api/cart', '/api/users/me', '/api/catalog/search', '/api/payments']
  const start = Date.UTC(2026, 10, 20, 9, 0, 0)
  const out = []
  const labels = []
  const requests = 420
  const bad = new Set()
  while (bad.size < 18) bad.add(int(0, requests - 1))
  const kinds = ['db-timeout', 'upstream-refused', 'null-pointer']
  let k = 0
  for (let q = 0; q < requests; q++) {
    const id = uuid()
    const t0 = start + q * int(200, 1500)
    const route = pick(routes)
    const kind = bad.has(q) ? kinds[k++ % kinds.length] : 'normal'
    labels.push([id, kind === 'normal' ? 'Normal' : 'Anomaly'])
    const rec = (dt, level, logger, msg, extra = {}) => out.push({t: t0 + dt, obj: {level, logger, msg, request_id: id, ...extra}})
    rec(0, 'info', 'http', `request started`, {method: route === '/api/payments' ? 'POST' : 'GET', path: route})
    rec(int(1, 4), 'debug', 'auth', `token validated for user ${int(1000, 9999)}`)
    const dbMs = int(2, 40)
    if (kind === 'db-timeout') {
      rec(5000, 'error', 'db.pool', `query timed out after 5000 ms on replica orders-db-2`, {query: 'SELECT * FROM orders WHERE user_id = $1'})
      rec(5001, 'warn', 'db.pool', `connection pool exhausted (50/50 in use), waiting for a free connection`)
      rec(5002, 'error', 'http', `request failed`, {status: 504, duration_ms: 5002})
      continue
    }
    rec(dbMs, 'debug', 'db.pool', `query ok in ${dbMs} ms`)
    if (route === '/api/payments') {
      if (kind === 'upstream-refused') {
        rec(dbMs + 3, 'error', 'payments.client', `POST https://psp.internal:8443/v2/charges failed: connect ECONNREFUSED 10.0.4.17:8443`)
        rec(dbMs + 250, 'warn', 'payments.client', `retrying charge (attempt 2 of 3)`)
        rec(dbMs + 700, 'error', 'payments.client', `POST https://psp.internal:8443/v2/charges failed: connect ECONNREFUSED 10.0.4.17:8443`)
        rec(dbMs + 701, 'error', 'http', `request failed`, {status: 502, duration_ms: dbMs + 701})
        continue
      }
      rec(dbMs + int(30, 120), 'info', 'payments.client', `charge accepted`, {amount_cents: int(100, 90000)})
    }
    if (kind === 'null-pointer' || kind === 'upstream-refused') {
      rec(dbMs + 2, 'error', 'http', `unhandled exception: TypeError: Cannot read properties of undefined (reading 'items')`, {stack: 'TypeError: Cannot read properties of undefined\n    at CartService.total (cart.js:88:19)'})
      rec(dbMs + 3, 'error', 'http', `request failed`, {status: 500, duration_ms: dbMs + 3})
      continue
    }
    rec(dbMs + int(1, 130), 'info', 'http', `request completed`, {status: 200, duration_ms: dbMs + int(1, 130)})
  }
  out.sort((a, b) => a.t - b.t)
  return {
    'service_sample.jsonl': out.map((e) => JSON.stringify({time: new Date(e.t).toISOString(), ...e.obj})).join('\n') + '\n',
    'service_sample_labels.csv': 'RequestId,Label\n' + labels.map((l) => l.join(',')).join('\n') + '\n',
  }
}

// ---------------------------------------------------------------- syslog, no ids: windows
function syslog() {
  const r = prng(777)
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const start = Date.UTC(2026, 10, 18, 0, 0, 0)
  const lines = []
  const host = 'web-03'
  const emit = (t, prog, msg) => {
    const d = new Date(t)
    lines.push({t, text: `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${host} ${prog}[${int(300, 32000)}]: ${msg}`})
  }
  // 8 hours of routine noise
  for (let t = start; t < start + 8 * 3600_000; t += int(5_000, 40_000)) {
    const c = r()
    if (c < 0.3) emit(t, 'CRON', `(root) CMD (/usr/lib/sa/sa1 1 1)`)
    else if (c < 0.55) emit(t, 'systemd', `Started Session ${int(100, 9999)} of user deploy.`)
    else if (c < 0.75) emit(t, 'sshd', `Accepted publickey for deploy from 10.0.${int(0, 9)}.${int(2, 250)} port ${int(30000, 60000)} ssh2`)
    else if (c < 0.9) emit(t, 'nginx', `worker process ${int(1000, 9999)} reloaded configuration`)
    else emit(t, 'kernel', `eth0: link up, 1000Mbps, full-duplex`)
  }
  // an incident at 05:10: disk fills, writes fail, the OOM killer strikes
  const inc = start + 5 * 3600_000 + 10 * 60_000
  for (let i = 0; i < 40; i++) {
    const t = inc + i * int(2_000, 9_000)
    const c = i % 4
    if (c === 0) emit(t, 'kernel', `EXT4-fs warning (device sda1): ext4_dx_add_entry:2516: Directory index full!`)
    else if (c === 1) emit(t, 'postgres', `ERROR:  could not extend file "base/16384/2619": No space left on device`)
    else if (c === 2) emit(t, 'kernel', `Out of memory: Killed process ${int(1000, 30000)} (java) total-vm:${int(4e6, 9e6)}kB, anon-rss:${int(2e6, 4e6)}kB`)
    else emit(t, 'systemd', `app.service: Main process exited, code=killed, status=9/KILL`)
  }
  lines.sort((a, b) => a.t - b.t)
  return {'syslog_sample.log': lines.map((l) => l.text).join('\n') + '\n'}
}

const files = {...hdfs(), ...service(), ...syslog()}
const check = process.argv.includes('--check')
let stale = 0
for (const [name, text] of Object.entries(files)) {
  const path = join(here, name)
  if (check) {
    let current = ''
    try {
      current = readFileSync(path, 'utf8')
    } catch {}
    if (current !== text) {
      console.error(`${name} differs from a fresh generation`)
      stale++
    }
  } else {
    writeFileSync(path, text)
    console.log(`wrote data/${name} (${text.split('\n').length - 1} lines)`)
  }
}
process.exit(stale ? 1 : 0)
