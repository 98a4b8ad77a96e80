// Ordinary traffic of a small web fleet, including the noise that looks alarming but is not an
// incident: scanner ssh failures, firewall drops, slow requests, upstream timeouts, the daily
// deploy (with its brief connection-refused burst), logrotate and cron.
import {dayCurve, MINUTE, HOUR, nginxStamp, pad} from './util.mjs'

const ROUTES = [
  ['GET', '/api/v1/orders/{id}', 30, 8, 60],
  ['GET', '/api/v1/catalog/search', 18, 20, 140],
  ['GET', '/api/v1/users/me', 16, 3, 25],
  ['POST', '/api/v1/cart/items', 10, 10, 70],
  ['GET', '/api/v1/cart', 10, 5, 40],
  ['POST', '/api/v1/checkout', 4, 60, 400],
  ['GET', '/api/v1/reports/{id}', 2, 150, 900],
  ['POST', '/api/v1/login', 5, 30, 120],
  ['GET', '/healthz', 5, 1, 3],
]
const ROUTE_WEIGHT = ROUTES.reduce((s, x) => s + x[2], 0)
const SCAN_USERS = ['admin', 'test', 'oracle', 'ubuntu', 'user', 'git', 'postgres', 'ftpuser', 'guest', 'pi', 'support', 'deploy1', 'jenkins', 'hadoop', 'minecraft', 'tomcat', 'steam', 'www', 'dev', 'ansible']
const SCAN_PORTS = [23, 22, 2323, 3389, 445, 8080, 8443, 5900, 6379, 9200, 27017, 1433, 3306, 81, 8888, 5555, 37215, 52869]
const OPS_USERS = ['deploy', 'ops', 'alice', 'bob', 'carol']

/** Emit `perMinute * dayCurve` events a minute (Poisson), each at a random second of its minute. */
function poissonOverDay(world, perMinute, flat, fn) {
  const {tools, T0, T1} = world
  for (let m = T0; m < T1; m += MINUTE) {
    const n = tools.poisson(perMinute * (flat ? 1 : dayCurve(m)))
    for (let i = 0; i < n; i++) fn(m + Math.floor(tools.r() * MINUTE))
  }
}

/** Times of a periodic job between T0 and T1: every `everyMin` minutes at `offsetMin`, a few seconds late. */
function schedule(world, everyMin, offsetMin) {
  const out = []
  const first = world.T0 - (world.T0 % (everyMin * MINUTE)) + offsetMin * MINUTE
  for (let t = first; t < world.T1; t += everyMin * MINUTE) if (t >= world.T0) out.push(t)
  return out
}

function failingJob(world, host, job, t) {
  return world.jobFailures.find((f) => f.host === host && f.job === job && t >= f.start && t <= f.end)
}

export function uptime(world, host, t) {
  // seconds since an imaginary boot 40-ish days before the log, as the kernel prints it
  const boot = world.T0 - (38 + (host.charCodeAt(host.length - 1) % 7)) * 86_400_000
  // microseconds from the time itself, so that the same line always gets the same stamp
  const us = String(Math.floor(t - boot) * 1000 + ((t * 7919) % 997)).padStart(7, '0')
  return `[${`${us.slice(0, -6)}.${us.slice(-6)}`.padStart(14, ' ')}]`
}

function ufwLine(world, host, t, src, dpt) {
  const {int, pick} = world.tools
  const proto = dpt === 53 || dpt === 123 ? 'UDP' : 'TCP'
  const tail = proto === 'TCP' ? `SPT=${int(1024, 65535)} DPT=${dpt} WINDOW=${pick([1024, 29200, 64240, 65535])} RES=0x00 SYN URGP=0` : `SPT=${int(1024, 65535)} DPT=${dpt} LEN=${int(20, 60)}`
  return `${uptime(world, host.name, t)} [UFW BLOCK] IN=eth0 OUT= MAC=fa:16:3e:5c:01:${pad(host.ip.split('.')[3], 2).slice(-2)}:fe:ff:ff:ff:ff:ff:08:00 SRC=${src} DST=${host.ip} LEN=${int(40, 60)} TOS=0x00 PREC=0x00 TTL=${int(40, 250)} ID=${int(1, 65535)} PROTO=${proto} ${tail}`
}

function firewall(world, host) {
  const {tools, emit} = world
  const exposed = host.role === 'web' || host.role === 'bastion'
  poissonOverDay(world, exposed ? 0.9 : 0.15, true, (t) => emit(t, host.name, 'kernel', null, ufwLine(world, host, t, tools.publicIp(), tools.pick(SCAN_PORTS))))
  // port scans: one source walks many ports within seconds, a few times a day
  if (!exposed) return
  const scans = tools.poisson((3 * (world.T1 - world.T0)) / (24 * HOUR))
  for (let s = 0; s < scans; s++) {
    const t0 = world.T0 + tools.r() * (world.T1 - world.T0)
    const src = tools.publicIp()
    const n = tools.int(15, 45)
    let t = t0
    for (let i = 0; i < n; i++) {
      emit(t, host.name, 'kernel', null, ufwLine(world, host, t, src, tools.int(1, 10000)))
      t += tools.int(50, 900)
    }
  }
}

function scanners(world, host) {
  const {tools, emit} = world
  const exposed = host.role === 'web' || host.role === 'bastion'
  if (!exposed) return
  const bursts = tools.poisson((3.5 * (world.T1 - world.T0)) / HOUR)
  for (let b = 0; b < bursts; b++) {
    let t = world.T0 + tools.r() * (world.T1 - world.T0)
    const ip = tools.publicIp()
    const attempts = tools.int(1, 12)
    for (let a = 0; a < attempts; a++) {
      const pid = world.freshPid()
      const port = tools.int(30000, 65000)
      const x = tools.r()
      if (x < 0.12) {
        emit(t, host.name, 'sshd', pid, `error: kex_exchange_identification: Connection closed by remote host`)
        emit(t + 5, host.name, 'sshd', pid, `Connection closed by ${ip} port ${port}`)
      } else if (x < 0.3) {
        emit(t, host.name, 'sshd', pid, `Failed password for root from ${ip} port ${port} ssh2`)
        if (tools.r() < 0.3) emit(t + 900, host.name, 'sshd', pid, `error: maximum authentication attempts exceeded for root from ${ip} port ${port} ssh2 [preauth]`)
        emit(t + 1400, host.name, 'sshd', pid, `Connection closed by authenticating user root ${ip} port ${port} [preauth]`)
      } else {
        const user = tools.pick(SCAN_USERS)
        emit(t, host.name, 'sshd', pid, `Invalid user ${user} from ${ip} port ${port}`)
        emit(t + tools.int(800, 2500), host.name, 'sshd', pid, `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`)
        emit(t + tools.int(2600, 3200), host.name, 'sshd', pid, `Received disconnect from ${ip} port ${port}:11: Bye Bye [preauth]`)
        emit(t + tools.int(3300, 3400), host.name, 'sshd', pid, `Disconnected from invalid user ${user} ${ip} port ${port} [preauth]`)
      }
      t += tools.int(2000, 20000)
    }
  }
}

/** Engineers and the CI user logging in over ssh, with their logind sessions. */
function logins(world, host) {
  const {tools, emit} = world
  const perDay = host.role === 'bastion' ? 40 : 5
  const n = tools.poisson((perDay * (world.T1 - world.T0)) / (24 * HOUR))
  for (let i = 0; i < n; i++) {
    const t = world.T0 + tools.r() * (world.T1 - world.T0)
    if (tools.r() > dayCurve(t) + 0.1) continue
    sshSession(world, host.name, t, tools.pick(OPS_USERS), `10.0.0.${tools.int(2, 40)}`, tools.int(20_000, 40 * MINUTE))
  }
}

export function sshSession(world, host, t, user, from, length) {
  const {tools, emit} = world
  const pid = world.freshPid()
  const session = tools.int(1000, 99999)
  emit(t, host, 'sshd', pid, `Accepted publickey for ${user} from ${from} port ${tools.int(30000, 65000)} ssh2: ED25519 SHA256:${tools.hex(20)}`)
  emit(t + 20, host, 'sshd', pid, `pam_unix(sshd:session): session opened for user ${user}(uid=${1000 + OPS_USERS.indexOf(user)}) by (uid=0)`)
  emit(t + 40, host, 'systemd-logind', world.daemons.pid(host, 'systemd-logind', t), `New session ${session} of user ${user}.`)
  emit(t + length, host, 'sshd', pid, `pam_unix(sshd:session): session closed for user ${user}`)
  emit(t + length + 30, host, 'systemd-logind', world.daemons.pid(host, 'systemd-logind', t), `Session ${session} logged out. Waiting for processes to exit.`)
  emit(t + length + 60, host, 'systemd-logind', world.daemons.pid(host, 'systemd-logind', t), `Removed session ${session}.`)
}

export function cronRun(world, host, t, user, cmd) {
  const pid = world.freshPid()
  world.emit(t, host, 'CRON', pid, `pam_unix(cron:session): session opened for user ${user}(uid=0) by (uid=0)`)
  world.emit(t + 3, host, 'CRON', pid, `(${user}) CMD (${cmd})`)
  world.emit(t + 900 + world.tools.int(0, 2000), host, 'CRON', pid, `pam_unix(cron:session): session closed for user ${user}`)
}

/** Cron, systemd timers, logrotate at midnight, time sync: the same on every host. */
function housekeeping(world, host) {
  const {tools, emit} = world
  const h = host.name
  for (const t of schedule(world, 10, 5)) cronRun(world, h, t + tools.int(0, 1500), 'root', 'command -v debian-sa1 > /dev/null && debian-sa1 1 1')
  for (const t of schedule(world, 60, 17)) cronRun(world, h, t + tools.int(0, 1500), 'root', '   cd / && run-parts --report /etc/cron.hourly')
  const sd = (t, msg) => emit(t, h, 'systemd', 1, msg)
  for (const t of schedule(world, 24 * 60, 0)) {
    sd(t, 'Starting Rotate log files...')
    emit(t + 1500, h, 'rsyslogd', world.daemons.pid(h, 'rsyslogd', t), `[origin software="rsyslogd" swVersion="8.2112.0" x-pid="${world.daemons.pid(h, 'rsyslogd', t)}" x-info="https://www.rsyslog.com"] rsyslogd was HUPed`)
    sd(t + 2100, 'logrotate.service: Deactivated successfully.')
    sd(t + 2101, 'Finished Rotate log files.')
  }
  for (const [every, off, name, unit] of [
    [12 * 60, 6 * 60 + 11 + (h.length % 5) * 7, 'Daily apt download activities', 'apt-daily.service'],
    [12 * 60, 2 * 60 + 40 + (h.length % 3) * 13, 'Certbot', 'certbot.service'],
    [24 * 60, 3 * 60 + 25, 'Daily man-db regeneration', 'man-db.service'],
  ]) {
    for (const t0 of schedule(world, every, off)) {
      const t = t0 + tools.int(0, 30 * MINUTE)
      sd(t, `Starting ${name}...`)
      sd(t + tools.int(800, 9000), `${unit}: Deactivated successfully.`)
      sd(t + 9001, `Finished ${name}.`)
    }
  }
  for (const t of schedule(world, 34, tools.int(0, 33))) {
    emit(t + tools.int(0, 60_000), h, 'systemd-timesyncd', world.daemons.pid(h, 'systemd-timesyncd', t), `Synchronized to time server 185.125.190.${tools.int(56, 58)}:123 (ntp.ubuntu.com).`)
  }
  // a handful of rare, alarming-looking but benign kernel and systemd lines
  const rare = tools.poisson((1.5 * (world.T1 - world.T0)) / (24 * HOUR))
  for (let i = 0; i < rare; i++) {
    const t = world.T0 + tools.r() * (world.T1 - world.T0)
    if (host.role === 'web') emit(t, h, 'kernel', null, `${uptime(world, h, t)} TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.`)
    else emit(t, h, 'systemd-journald', world.daemons.pid(h, 'systemd-journald', t), `Data hash table of /var/log/journal/${h.length}f3c9a1b2e/system.journal has a fill level at 75.0 (8531 of 11377 items, 6553600 file size, 768 bytes per hash table item), suggesting rotation.`)
  }
}

function apiLine(world, host, t) {
  const {tools} = world
  let x = tools.r() * ROUTE_WEIGHT
  let route = ROUTES[0]
  for (const rt of ROUTES) {
    x -= rt[2]
    if (x <= 0) {
      route = rt
      break
    }
  }
  const [method, tpl, , lo, hi] = route
  const path = tpl.replace('{id}', String(tools.int(1000, 99999)))
  const ms = Math.round(lo + (hi - lo) * tools.r() ** 2)
  let status = 200
  const s = tools.r()
  if (method === 'POST' && tpl === '/api/v1/login' && s < 0.15) status = 401
  else if (s < 0.01) status = 404
  else if (method === 'POST' && s < 0.6) status = 201
  return {method, path, ms, status}
}

/** API servers behind nginx: one line per request carrying its own `req=` id. */
function web(world, host) {
  const {tools, emit} = world
  const h = host.name
  const api = (t) => world.daemons.pid(h, 'api', t)
  poissonOverDay(world, 52, false, (t) => {
    const q = apiLine(world, host, t)
    const req = tools.hex(12)
    const pool = world.overrides.poolExhausted?.(h, t)
    if (pool) return pool(t, req, q)
    const x = tools.r()
    if (x < 0.004) emit(t, h, 'api', api(t), `WARN req=${req} slow request ${q.method} ${q.path} took ${tools.int(2100, 9000)}ms`)
    else if (x < 0.0045) emit(t, h, 'api', api(t), `ERROR req=${req} payment provider returned 502, retrying (attempt 1/3)`)
    else if (x < 0.005) {
      emit(t, h, 'nginx', null, `${nginxStamp(t)} [error] ${world.daemons.pid(h, 'nginx', t)}#0: *${tools.int(100000, 9999999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${tools.publicIp()}, server: shop.example.com, request: "${q.method} ${q.path} HTTP/1.1", upstream: "http://127.0.0.1:8080${q.path}", host: "shop.example.com"`)
    } else emit(t, h, 'api', api(t), `INFO req=${req} ${q.method} ${q.path} ${q.status} ${q.ms}ms`)
  })
  poissonOverDay(world, 0.004, true, (t) => emit(t, h, 'nginx', null, `${nginxStamp(t)} [error] ${world.daemons.pid(h, 'nginx', t)}#0: *${tools.int(100000, 9999999)} client intended to send too large body: ${tools.int(10, 90)}000000 bytes, client: ${tools.publicIp()}, server: shop.example.com, request: "POST /api/v1/uploads HTTP/1.1", host: "shop.example.com"`))
}

function worker(world, host) {
  const {tools, emit} = world
  const h = host.name
  const jobs = ['send_email', 'resize_image', 'sync_inventory', 'generate_invoice', 'index_product', 'webhook_delivery']
  poissonOverDay(world, 14, false, (t) => {
    const job = tools.pick(jobs)
    const id = tools.hex(8)
    if (tools.r() < 0.003) emit(t, h, 'worker', world.daemons.pid(h, 'worker', t), `job ${id} (${job}) failed: timeout after 30s, will retry (attempt 1/5)`)
    else emit(t, h, 'worker', world.daemons.pid(h, 'worker', t), `job ${id} (${job}) done in ${tools.int(4, 900)}ms`)
  })
  for (const t0 of schedule(world, 10, 2)) {
    const t = t0 + tools.int(0, 1500)
    cronRun(world, h, t, 'root', '/usr/local/bin/export-reports --since 10m')
    const pid = world.freshPid()
    const fail = failingJob(world, h, 'export', t)
    if (fail) fail.emit(t + 4000, pid)
    else emit(t + tools.int(2000, 9000), h, 'export-reports', pid, `exported ${tools.int(40, 4000)} rows to s3://acme-reports/daily/${tools.hex(6)}.csv.gz in ${(tools.r() * 5 + 0.4).toFixed(1)}s`)
  }
}

function db(world, host) {
  const {tools, emit} = world
  const h = host.name
  const pg = (t, msg) => emit(t, h, 'postgres', world.daemons.pid(h, 'postgres', t), msg)
  for (const t of schedule(world, 5, 0)) {
    pg(t + 300, 'LOG:  checkpoint starting: time')
    const buf = tools.int(80, 9000)
    pg(t + 270_000, `LOG:  checkpoint complete: wrote ${buf} buffers (${(buf / 163.84).toFixed(1)}%); 0 WAL file(s) added, 0 removed, ${tools.int(0, 3)} recycled; write=${(tools.r() * 269).toFixed(3)} s, sync=0.00${tools.int(1, 9)} s, total=${(269 + tools.r()).toFixed(3)} s`)
  }
  const tables = ['orders', 'order_items', 'carts', 'products', 'users', 'events']
  poissonOverDay(world, 1.2, false, (t) => pg(t, `LOG:  duration: ${(1000 + tools.r() * 4000).toFixed(3)} ms  statement: SELECT * FROM ${tools.pick(tables)} WHERE customer_id = ${tools.int(1000, 99999)} ORDER BY created_at DESC LIMIT 50`))
  poissonOverDay(world, 0.07, false, (t) => pg(t, `LOG:  automatic vacuum of table "shop.public.${tools.pick(tables)}": index scans: 1`))
  poissonOverDay(world, 0.003, true, (t) => pg(t, 'LOG:  could not receive data from client: Connection reset by peer'))
  // replication health, checked every minute by a small systemd service
  for (const t0 of schedule(world, 1, 0)) {
    const t = t0 + tools.int(0, 2000)
    const lag = world.overrides.replicationLag?.(h, t)
    if (lag) lag(t)
    else emit(t, h, 'pg-replcheck', world.daemons.pid(h, 'pg-replcheck', t), `replica db-02 streaming, lag ${(tools.r() * 0.8 + 0.05).toFixed(2)}s`)
  }
  for (const t0 of schedule(world, 60, 15)) {
    const t = t0 + tools.int(0, 1500)
    cronRun(world, h, t, 'postgres', '/usr/local/bin/pg-backup.sh shop')
    const pid = world.freshPid()
    const fail = failingJob(world, h, 'backup', t)
    if (fail) fail.emit(t + 4000, pid)
    else emit(t + tools.int(50_000, 95_000), h, 'pg-backup', pid, `backup of shop complete: ${(1.6 + tools.r() * 0.4).toFixed(2)} GB written to /backup/shop-${tools.hex(8)}.dump`)
  }
}

function cache(world, host) {
  const {tools, emit} = world
  const h = host.name
  for (const t0 of schedule(world, 5, 1)) {
    const t = t0 + tools.int(0, 5000)
    const rs = (dt, msg) => emit(t + dt, h, 'redis-server', world.daemons.pid(h, 'redis-server', t), msg)
    const child = world.freshPid()
    rs(0, `${tools.int(10, 900)} changes in 300 seconds. Saving...`)
    rs(2, `Background saving started by pid ${child}`)
    emit(t + 600, h, 'redis-server', child, 'DB saved on disk')
    emit(t + 601, h, 'redis-server', child, `Fork CoW for RDB: current ${tools.int(1, 9)} MB, peak ${tools.int(1, 9)} MB, average ${tools.int(1, 5)} MB`)
    rs(700, 'Background saving terminated with success')
  }
}

/** Daily rolling deploy of the API (and the worker) early afternoon, one host after another. */
function deploys(world) {
  const {tools, emit} = world
  const targets = [...world.byRole('web').map((h) => [h.name, 'api', 'API server']), ...world.byRole('worker').map((h) => [h.name, 'worker', 'Job worker'])]
  const days = []
  for (let d = world.T0 - (world.T0 % (24 * HOUR)); d < world.T1; d += 24 * HOUR) days.push(d)
  for (const day of days) {
    let t = day + 13 * HOUR + tools.int(0, 210) * MINUTE
    const version = `2026.${tools.int(10, 99)}.${tools.int(1, 9)}`
    const sha = tools.hex(7)
    for (const [h, prog, desc] of targets) {
      sshSession(world, h, t, 'deploy', '10.0.0.5', 60_000)
      const dp = world.freshPid()
      emit(t + 2000, h, 'deployer', dp, `deploying ${prog} ${version} (${sha}) to ${h}`)
      emit(t + 9000, h, 'systemd', 1, `Stopping ${desc}...`)
      emit(t + 9100, h, prog, world.daemons.pid(h, prog, t), 'received SIGTERM, draining connections')
      emit(t + 11_000, h, 'systemd', 1, `${prog}.service: Deactivated successfully.`)
      emit(t + 11_001, h, 'systemd', 1, `Stopped ${desc}.`)
      world.daemons.restart(h, prog, t + 11_002)
      world.silences.push({host: h, prog, start: t + 9200, end: t + 11_002, inc: '~deploy'})
      emit(t + 11_003, h, 'systemd', 1, `Started ${desc}.`)
      if (prog === 'api') {
        const n = tools.int(1, 6)
        for (let i = 0; i < n; i++) emit(t + 11_100 + i * 300, h, 'nginx', null, `${nginxStamp(t + 11_100 + i * 300)} [error] ${world.daemons.pid(h, 'nginx', t)}#0: *${tools.int(100000, 9999999)} connect() failed (111: Connection refused) while connecting to upstream, client: ${tools.publicIp()}, server: shop.example.com, request: "GET /api/v1/cart HTTP/1.1", upstream: "http://127.0.0.1:8080/api/v1/cart", host: "shop.example.com"`)
      }
      emit(t + 13_500, h, prog, world.daemons.pid(h, prog, t + 13_500), `listening on 0.0.0.0:8080, version ${version}`)
      emit(t + 14_000, h, 'deployer', dp, `deploy of ${prog} ${version} to ${h} finished in ${(12 + tools.r() * 3).toFixed(1)}s`)
      t += tools.int(60, 180) * 1000
    }
  }
}

export {deploys}

/** Run after deploys() and the incidents, whose restarts must be registered before these lines name pids. */
export function generateNoise(world) {
  for (const host of world.hosts) {
    firewall(world, host)
    scanners(world, host)
    logins(world, host)
    housekeeping(world, host)
    if (host.role === 'web') web(world, host)
    if (host.role === 'worker') worker(world, host)
    if (host.role === 'db') db(world, host)
    if (host.role === 'cache') cache(world, host)
  }
}
