// Real incidents injected into the fleet's traffic, one function per kind. Every line an incident
// writes carries its id (`inc`), so the truth span is where its lines are; a "quiet" incident's
// span is its silence. Kinds follow what an on-call engineer meets: a new failure message, a
// normal message at many times its rate, flapping, a periodic job that starts failing, a host or
// component going quiet, connection-pool exhaustion, an expired certificate, replication lag.
import {dayCurve, MINUTE, HOUR, nginxStamp} from './util.mjs'
import {uptime} from './noise.mjs'

export const KINDS = ['oom', 'disk-full', 'segfault', 'rate-spike', 'flapping', 'job-failing', 'quiet', 'pool-exhaustion', 'cert-expiry', 'replication-lag']

/** Shortest and longest span of each kind, minutes (a job's span also depends on its period). */
const SPAN = {
  oom: [3, 15],
  'disk-full': [10, 40],
  segfault: [4, 20],
  'rate-spike': [15, 60],
  flapping: [8, 30],
  'job-failing': [45, 240],
  quiet: [25, 90],
  'pool-exhaustion': [5, 25],
  'cert-expiry': [30, 120],
  'replication-lag': [20, 90],
}

const DESC = {api: 'API server', worker: 'Job worker', 'redis-server': 'Advanced key-value store', postgres: 'PostgreSQL Cluster 16-main'}

function hostFor(world, roles) {
  for (const role of roles) {
    const hs = world.byRole(role)
    if (hs.length > 0) return world.tools.pick(hs)
  }
  return world.tools.pick(world.hosts)
}

/** systemd's lines for a crashed service and its automatic restart; registers the new pid. */
function crashRestart(world, t, host, prog, how, counter, inc) {
  const sd = (dt, msg) => world.emit(t + dt, host, 'systemd', 1, msg, inc)
  if (how === 'oom') sd(0, `${prog}.service: A process of this unit has been killed by the OOM killer.`)
  sd(1, how === 'exit' ? `${prog}.service: Main process exited, code=exited, status=1/FAILURE` : `${prog}.service: Main process exited, code=${how === 'segv' ? 'dumped, status=11/SEGV' : 'killed, status=9/KILL'}`)
  sd(2, `${prog}.service: Failed with result '${{oom: 'oom-kill', segv: 'core-dump', exit: 'exit-code'}[how]}'.`)
  sd(5000, `${prog}.service: Scheduled restart job, restart counter is at ${counter}.`)
  sd(5001, `Stopped ${DESC[prog] ?? prog}.`)
  world.daemons.restart(host, prog, t + 5002)
  world.silences.push({host, prog, start: t, end: t + 5002, inc})
  sd(5003, `Started ${DESC[prog] ?? prog}.`)
  if (prog === 'api') world.emit(t + 7000, host, 'api', world.daemons.pid(host, 'api', t + 7000), 'listening on 0.0.0.0:8080', inc)
}

const inject = {
  oom(world, {start, dur}, inc) {
    const {tools, emit} = world
    const host = hostFor(world, ['worker', 'web'])
    const prog = host.role === 'worker' ? 'worker' : 'api'
    const kills = tools.int(2, 4)
    for (let k = 0; k < kills; k++) {
      const t = start + (k === 0 ? 0 : (dur * k) / (kills - 1)) - (k === kills - 1 ? 10_000 : 0)
      const pid = world.daemons.pid(host.name, prog, t)
      const kern = (dt, msg) => emit(t + dt, host.name, 'kernel', null, `${uptime(world, host.name, t + dt)} ${msg}`, inc)
      kern(0, `${prog} invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0`)
      kern(1, `oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/${prog}.service,task=${prog},pid=${pid},uid=998`)
      kern(2, `Out of memory: Killed process ${pid} (${prog}) total-vm:${tools.int(6, 9)}${tools.int(100000, 999999)}kB, anon-rss:${tools.int(3, 5)}${tools.int(100000, 999999)}kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:${tools.int(8000, 12000)}kB oom_score_adj:0`)
      crashRestart(world, t + 300, host.name, prog, 'oom', k + 1, inc)
    }
    return {hosts: [host.name], component: prog, marker: 'Out of memory: Killed process', title: `${prog} on ${host.name} killed by the OOM killer ${kills} times`}
  },

  'disk-full'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const dbHost = world.byRole('db')[0]
    if (!dbHost) {
      const host = hostFor(world, ['worker', 'web'])
      for (let t = start; t < start + dur; t += tools.int(10, 60) * 1000) emit(t, host.name, 'rsyslogd', world.daemons.pid(host.name, 'rsyslogd', t), `file '/var/log/syslog': write error - No space left on device [v8.2112.0 try https://www.rsyslog.com/e/2027 ]`, inc)
      return {hosts: [host.name], component: 'rsyslogd', marker: 'No space left on device', title: `disk full on ${host.name}`}
    }
    const h = dbHost.name
    const pg = (t, msg) => emit(t, h, 'postgres', world.daemons.pid(h, 'postgres', t), msg, inc)
    for (let t = start; t < start + dur; t += tools.int(8, 50) * 1000) {
      pg(t, `ERROR:  could not extend file "base/16384/${tools.int(16000, 99999)}": No space left on device`)
      pg(t + 1, 'HINT:  Check free disk space.')
      const web = world.byRole('web')
      if (web.length > 0 && tools.r() < 0.7) {
        const w = tools.pick(web).name
        emit(t + tools.int(20, 400), w, 'api', world.daemons.pid(w, 'api', t), `ERROR req=${tools.hex(12)} POST /api/v1/checkout 500 ${tools.int(30, 200)}ms: database error: could not extend file: No space left on device`, inc)
      }
    }
    pg(start + dur, `PANIC:  could not write to file "pg_wal/xlogtemp.${world.daemons.pid(h, 'postgres', start)}": No space left on device`)
    return {hosts: [h, ...world.byRole('web').map((w) => w.name)], component: 'postgres', marker: 'No space left on device', title: `disk full on ${h}: postgres cannot extend files`}
  },

  segfault(world, {start, dur}, inc) {
    const {tools, emit} = world
    const host = hostFor(world, ['web', 'worker'])
    const prog = host.role === 'web' ? 'api' : 'worker'
    const crashes = tools.int(3, 6)
    for (let k = 0; k < crashes; k++) {
      const t = start + (dur * k) / (crashes - 1) - (k === crashes - 1 ? 10_000 : 0)
      const pid = world.daemons.pid(host.name, prog, t)
      emit(t, host.name, 'kernel', null, `${uptime(world, host.name, t)} ${prog}[${pid}]: segfault at 0 ip 00007f${tools.hex(10)} sp 00007ffd${tools.hex(8)} error 4 in libcrypto.so.3[7f${tools.hex(7)}000+${tools.hex(6)}]`, inc)
      emit(t + 1, host.name, 'kernel', null, `${uptime(world, host.name, t + 1)} Code: 48 8b 07 48 85 c0 74 ${tools.hex(2)} 48 8b 50 ${tools.hex(2)} 48 85 d2 74 ${tools.hex(2)} 48 89 c7 ff d2`, inc)
      crashRestart(world, t + 200, host.name, prog, 'segv', k + 1, inc)
      if (prog === 'api') {
        for (let i = 0; i < tools.int(2, 6); i++) emit(t + 500 + i * 700, host.name, 'nginx', null, `${nginxStamp(t + 500 + i * 700)} [error] ${world.daemons.pid(host.name, 'nginx', t)}#0: *${tools.int(100000, 9999999)} connect() failed (111: Connection refused) while connecting to upstream, client: ${tools.publicIp()}, server: shop.example.com, request: "GET /api/v1/catalog/search HTTP/1.1", upstream: "http://127.0.0.1:8080/api/v1/catalog/search", host: "shop.example.com"`, inc)
      }
    }
    return {hosts: [host.name], component: prog, marker: 'segfault at 0', title: `${prog} on ${host.name} crashed with SIGSEGV ${crashes} times`}
  },

  'rate-spike'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const mult = tools.int(10, 50)
    const variants = []
    for (const w of world.byRole('web')) {
      variants.push(['upstream timed out', w.name, 'nginx', 52 * 0.0005, (t) => `${nginxStamp(t)} [error] ${world.daemons.pid(w.name, 'nginx', t)}#0: *${tools.int(100000, 9999999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${tools.publicIp()}, server: shop.example.com, request: "GET /api/v1/catalog/search HTTP/1.1", upstream: "http://127.0.0.1:8080/api/v1/catalog/search", host: "shop.example.com"`])
      variants.push(['slow request', w.name, 'api', 52 * 0.004, (t) => `WARN req=${tools.hex(12)} slow request GET /api/v1/catalog/search took ${tools.int(2100, 9000)}ms`])
    }
    for (const w of world.byRole('worker')) variants.push(['will retry', w.name, 'worker', 14 * 0.003, (t) => `job ${tools.hex(8)} (webhook_delivery) failed: timeout after 30s, will retry (attempt ${tools.int(1, 4)}/5)`])
    for (const d of world.byRole('db')) variants.push(['LOG:  duration:', d.name, 'postgres', 1.2, () => `LOG:  duration: ${(1000 + tools.r() * 9000).toFixed(3)} ms  statement: SELECT * FROM orders WHERE customer_id = ${tools.int(1000, 99999)} ORDER BY created_at DESC LIMIT 50`])
    if (variants.length === 0) variants.push(['Failed password for root', world.hosts[0].name, 'sshd', 0.2, () => `Failed password for root from ${tools.publicIp()} port ${tools.int(30000, 65000)} ssh2`])
    const [marker, host, prog, perMinute, line] = tools.pick(variants)
    const pid = (t) => (prog === 'nginx' ? null : world.daemons.pid(host, prog, t))
    // the message's normal rate at this time of day, times the multiplier; at least 2 a minute so the spike is there
    for (let m = start; m < start + dur; m += MINUTE) {
      const n = tools.poisson(Math.max(2, mult * perMinute * (prog === 'sshd' ? 1 : dayCurve(m))))
      for (let i = 0; i < n; i++) {
        const t = m + tools.r() * Math.min(MINUTE, start + dur - m)
        emit(t, host, prog, pid(t), line(t), inc)
      }
    }
    return {hosts: [host], component: prog, marker, rate_multiplier: mult, title: `"${marker}" on ${host} at ~${mult}x its normal rate`}
  },

  flapping(world, {start, dur}, inc) {
    const {tools, emit} = world
    const services = [...world.byRole('cache').map((h) => [h.name, 'redis-server']), ...world.byRole('worker').map((h) => [h.name, 'worker'])]
    if (services.length === 0 || tools.r() < 0.5) {
      const host = tools.pick(world.hosts).name
      let up = true
      for (let t = start; t <= start + dur; t += tools.int(15, 120) * 1000) {
        up = !up
        const k = (msg) => emit(t, host, 'kernel', null, `${uptime(world, host, t)} ${msg}`, inc)
        if (up) {
          k('igb 0000:03:00.1 eno2: igb: eno2 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX/TX')
          emit(t + 100, host, 'kernel', null, `${uptime(world, host, t + 100)} bond0: (slave eno2): link status definitely up, 1000 Mbps full duplex`, inc)
        } else {
          k('igb 0000:03:00.1 eno2: igb: eno2 NIC Link is Down')
          emit(t + 100, host, 'kernel', null, `${uptime(world, host, t + 100)} bond0: (slave eno2): link status definitely down, disabling slave`, inc)
        }
      }
      return {hosts: [host], component: 'kernel', variant: 'link', marker: 'NIC Link is Down', title: `network link eno2 flapping on ${host}`}
    }
    const [host, prog] = tools.pick(services)
    let n = 0
    for (let t = start; t <= start + dur; t += tools.int(30, 100) * 1000) {
      n++
      emit(t - 2000, host, prog, world.daemons.pid(host, prog, t), prog === 'worker' ? 'fatal: lost connection to redis at 10.0.1.14:6379, exiting' : 'Fatal: unable to open the AOF file appendonly.aof.1.incr.aof: Permission denied', inc)
      crashRestart(world, t, host, prog, 'exit', n, inc)
    }
    return {hosts: [host], component: prog, variant: 'restart-loop', marker: 'Scheduled restart job', title: `${prog} on ${host} restarting over and over (${n} restarts)`}
  },

  'job-failing'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const db = world.byRole('db')[0]
    const wk = world.byRole('worker')[0]
    const useBackup = db && (!wk || (dur >= 150 * MINUTE && tools.r() < 0.5))
    if (!db && !wk) return {...inject.oom(world, {start, dur: Math.min(dur, 15 * MINUTE)}, inc), kind: 'oom'}
    if (useBackup) {
      world.jobFailures.push({host: db.name, job: 'backup', start, end: start + dur, emit: (t, pid) => {
        emit(t, db.name, 'pg-backup', pid, `pg_dump: error: could not open output file "/backup/shop-${tools.hex(8)}.dump": No such file or directory`, inc)
        emit(t + 50, db.name, 'pg-backup', pid, 'backup of shop FAILED (exit 1), previous backup kept', inc)
      }})
      return {hosts: [db.name], component: 'pg-backup', variant: 'hourly-backup', marker: 'backup of shop FAILED', title: `hourly database backup on ${db.name} failing`}
    }
    world.jobFailures.push({host: wk.name, job: 'export', start, end: start + dur, emit: (t, pid) => {
      emit(t, wk.name, 'export-reports', pid, `ERROR upload to s3://acme-reports/daily/${tools.hex(6)}.csv.gz failed: AccessDenied: Access Denied (status code: 403, request id: ${tools.hex(16).toUpperCase()})`, inc)
      emit(t + 3000, wk.name, 'export-reports', pid, 'export failed after 3 attempts, giving up', inc)
    }})
    return {hosts: [wk.name], component: 'export-reports', variant: '10-minute-export', marker: 'AccessDenied', title: `report export on ${wk.name} failing every run`}
  },

  quiet(world, {start, dur}, inc) {
    const {tools} = world
    const candidates = [...world.byRole('cache'), ...world.byRole('worker')]
    const host = candidates.length > 0 ? tools.pick(candidates) : tools.pick(world.hosts)
    const wholeHost = host.role !== 'worker' || tools.r() < 0.4
    const prog = wholeHost ? null : 'worker'
    // a stuck consumer stays silent until someone restarts it (the ordinary lines that end it)
    world.silences.push({host: host.name, prog, start, end: start + dur + (wholeHost ? 0 : 4000), inc})
    if (!wholeHost) {
      const t = start + dur + 1000
      world.emit(t, host.name, 'systemd', 1, 'Stopping Job worker...', inc)
      world.emit(t + 3000, host.name, 'systemd', 1, 'worker.service: State \'stop-sigterm\' timed out. Killing.', inc)
      world.emit(t + 3001, host.name, 'systemd', 1, 'worker.service: Failed with result \'timeout\'.', inc)
      world.daemons.restart(host.name, 'worker', t + 3002)
      world.emit(t + 3003, host.name, 'systemd', 1, 'Started Job worker.', inc)
    }
    return {hosts: [host.name], component: prog ?? '*', variant: wholeHost ? 'host' : 'component', marker: null, silent: {host: host.name, program: prog}, title: wholeHost ? `${host.name} stopped logging` : `worker on ${host.name} stopped processing jobs`}
  },

  'pool-exhaustion'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const end = start + dur
    const failShare = 0.3 + tools.r() * 0.5
    world.overrides.poolExhausted = ((prev) => (h, t) => {
      if (t < start || t > end) return prev?.(h, t)
      return (tt, req, q) => {
        const api = world.daemons.pid(h, 'api', tt)
        if (tools.r() < failShare) emit(tt, h, 'api', api, `ERROR req=${req} ${q.method} ${q.path} 503 ${tools.int(5000, 5100)}ms: timeout acquiring connection from pool (size 20, 20 in use, ${tools.int(5, 180)} waiting)`, inc)
        else emit(tt, h, 'api', api, `INFO req=${req} ${q.method} ${q.path} ${q.status} ${q.ms + tools.int(800, 4800)}ms`)
      }
    })(world.overrides.poolExhausted)
    const db = world.byRole('db')[0]
    if (db) {
      for (let t = start + tools.int(5, 40) * 1000; t < end; t += tools.int(4, 40) * 1000) {
        emit(t, db.name, 'postgres', world.freshPid(), tools.r() < 0.6 ? 'FATAL:  sorry, too many clients already' : 'FATAL:  remaining connection slots are reserved for non-replication superuser connections', inc)
      }
    }
    return {hosts: [...world.byRole('web').map((w) => w.name), ...(db ? [db.name] : [])], component: 'api', marker: 'timeout acquiring connection from pool', title: 'database connection pool exhausted'}
  },

  'cert-expiry'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const expired = new Date(start - tools.int(1, 50) * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const webs = world.byRole('web')
    const hosts = webs.length > 0 ? webs : [hostFor(world, ['worker'])]
    const viaNginx = tools.r() < 0.4
    for (const w of hosts) {
      const prog = w.role === 'web' ? (viaNginx ? 'nginx' : 'api') : 'worker'
      for (let m = start; m < start + dur; m += MINUTE) {
        const n = tools.poisson(0.5 + 3 * dayCurve(m))
        for (let i = 0; i < n; i++) {
          const t = m + tools.r() * MINUTE
          if (t > start + dur) continue
          const msg = prog === 'nginx'
            ? `${nginxStamp(t)} [error] ${world.daemons.pid(w.name, 'nginx', t)}#0: *${tools.int(100000, 9999999)} upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream, client: ${tools.publicIp()}, server: shop.example.com, request: "POST /api/v1/checkout HTTP/1.1", upstream: "https://10.0.4.17:8443/v2/charges", host: "shop.example.com"`
            : `ERROR req=${tools.hex(12)} payment provider call failed: Post "https://psp.internal:8443/v2/charges": x509: certificate has expired or is not yet valid: current time ${new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')} is after ${expired}`
          emit(t, w.name, prog, prog === 'nginx' ? null : world.daemons.pid(w.name, prog, t), msg, inc)
        }
      }
      emit(start + dur, w.name, 'systemd', 1, prog === 'nginx' ? 'Reloading A high performance web server and a reverse proxy server.' : `Reloading ${DESC[prog] ?? prog}.`, inc)
    }
    return {hosts: hosts.map((h) => h.name), component: viaNginx ? 'nginx' : 'api', marker: 'certificate has expired', title: 'expired certificate on the payment provider connection'}
  },

  'replication-lag'(world, {start, dur}, inc) {
    const {tools, emit} = world
    const db = world.byRole('db')[0]
    if (!db) return {...inject['rate-spike'](world, {start, dur}, inc), kind: 'rate-spike'}
    const peak = tools.int(120, 900)
    const end = start + dur
    world.overrides.replicationLag = ((prev) => (h, t) => {
      if (h !== db.name || t < start || t > end) return prev?.(h, t)
      return (tt) => {
        const x = (tt - start) / dur
        const lag = 31 + (peak - 31) * Math.sin(Math.PI * Math.min(1, x)) + tools.r() * 3
        const pid = world.daemons.pid(h, 'pg-replcheck', tt)
        emit(tt, h, 'pg-replcheck', pid, `replica db-02 streaming, lag ${lag.toFixed(2)}s`, inc)
        emit(tt + 2, h, 'pg-replcheck', pid, `WARNING replica db-02 lag ${lag.toFixed(2)}s exceeds threshold 30s`, inc)
      }
    })(world.overrides.replicationLag)
    emit(start + tools.r() * dur, db.name, 'postgres', world.freshPid(), 'LOG:  terminating walsender process due to replication timeout', inc)
    return {hosts: [db.name], component: 'pg-replcheck', marker: 'exceeds threshold', title: `replication lag on ${db.name} up to ${peak}s`}
  },
}

/** Kinds and non-overlapping slots for `count` incidents: every kind once before any repeats. */
export function planIncidents(world, count) {
  const {tools, T0, T1} = world
  const kinds = []
  while (kinds.length < count) kinds.push(...tools.shuffle(KINDS))
  kinds.length = count
  const span = T1 - T0
  const lead = Math.min(HOUR, span * 0.08)
  const tail = Math.min(20 * MINUTE, span * 0.05)
  let gap = 20 * MINUTE
  const durs = kinds.map((k) => tools.int(SPAN[k][0], SPAN[k][1]) * MINUTE)
  let free = span - lead - tail - durs.reduce((a, b) => a + b, 0) - gap * (count - 1)
  if (free < 0) {
    // a short log: shrink spans and gaps together so every incident still fits
    const scale = (span - lead - tail) / (span - lead - tail - free)
    for (let i = 0; i < durs.length; i++) durs[i] = Math.floor(durs[i] * scale * 0.9)
    gap = Math.floor(gap * scale * 0.9)
    free = span - lead - tail - durs.reduce((a, b) => a + b, 0) - gap * (count - 1)
  }
  const cuts = Array.from({length: count}, () => tools.r() * free).sort((a, b) => a - b)
  let t = T0 + lead
  let used = 0
  return kinds.map((kind, i) => {
    const start = t + (cuts[i] - used)
    used = cuts[i]
    t = start + durs[i] + gap
    return {id: `I${String(i + 1).padStart(2, '0')}`, kind, start: Math.floor(start), dur: durs[i]}
  })
}

export function injectIncident(world, slot) {
  return {id: slot.id, kind: slot.kind, ...inject[slot.kind](world, slot, slot.id)}
}
