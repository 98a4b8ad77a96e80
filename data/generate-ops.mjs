#!/usr/bin/env node
// A second, independent seeded fleet day for issue 14 ("detection without ids"): a load balancer,
// two app servers (a JVM service and a Python service, both logging a `req=` id that occurs on one
// line only), a MariaDB host and an ops/cron host, with ten real incidents among ordinary traffic
// and alarming-looking normal noise. Written apart from data/generate-multihost.mjs (its own
// programs, words and incident shapes) so that detection tuned on one is checked on the other.
// Same seed and options, same bytes. Plain Node, no dependencies.
//
//   node data/generate-ops.mjs [--seed 1] [--hours 24] [--incidents N] [--start YYYY-MM-DD]
//        [--out FILE] [--truth FILE]
//
// Output: RFC 3164 lines (`Jun  7 14:02:11 app-1 ledger[2211]: ...`, UTC, no year) and a truth JSON
// (default: the output name with .truth.json) in bench/incidents.mjs's format: per incident id,
// kind, variant, title, hosts, component, start, end (ISO, UTC, first..last line of the incident;
// for "quiet", the silence), marker (a string in its lines; null for quiet), silent, lines.
// Kinds: new-failure, rate-spike, flapping, job-failing, quiet (two of each in a day, shuffled).
// Normal noise: ssh scanner waves, firewall drops and port scans, slow requests, a rolling deploy
// (haproxy marks servers down for maintenance), health checks answering 503, GC pauses incl. rare
// full GCs, gunicorn worker timeouts, aborted DB connections, page_cleaner notes, EDAC corrected
// errors, SYN-cookie warnings, smartd, chrony, DHCP, postfix deferrals, logrotate, apt, cron.
import {runGenerator} from './lib/generator-cli.mjs'
import {logSpan, rng as seededStream, shuffledKinds} from './lib/random.mjs'

const SEC = 1000
const MIN = 60 * SEC
const HOUR = 60 * MIN
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const HOSTS = [
  {name: 'lb-east', role: 'lb', ip: '10.20.0.10'},
  {name: 'app-1', role: 'app', ip: '10.20.1.11'},
  {name: 'app-2', role: 'app', ip: '10.20.1.12'},
  {name: 'db-main', role: 'db', ip: '10.20.2.20'},
  {name: 'ops-1', role: 'ops', ip: '10.20.3.30'},
]
const APPS = ['app-1', 'app-2']
/** haproxy backend → the program serving it on the app servers. */
const PROG = {ledger: 'ledger', quotes: 'gunicorn'}
const LEDGER_ROUTES = [
  ['GET', '/v2/accounts/{n}', 'AccountController', 30, 6, 40],
  ['GET', '/v2/accounts/{n}/balance', 'BalanceController', 25, 4, 25],
  ['POST', '/v2/transfers', 'TransferController', 12, 30, 180],
  ['GET', '/v2/transfers/{n}', 'TransferController', 10, 5, 30],
  ['GET', '/v2/statements/{n}', 'StatementController', 4, 80, 600],
  ['POST', '/v2/auth/token', 'TokenController', 8, 15, 60],
]
const PAIRS = ['EURUSD', 'GBPUSD', 'USDJPY', 'EURGBP', 'USDCHF', 'AUDUSD', 'USDCAD']
const SCAN_NAMES = ['admin', 'root', 'test', 'user', 'ubuntu', 'oracle', 'centos', 'nagios', 'zabbix', 'ftp', 'mysql', 'es', 'kafka', 'sonar', 'vagrant', 'pi', 'odoo', 'gitlab-runner']

/** The seeded stream (data/lib/random.mjs) and this fleet's public addresses. */
function rng(seed) {
  const r = seededStream(seed)
  const {int, pick} = r
  const publicIp = () => pick([`45.${int(9, 250)}`, `185.${int(10, 250)}`, `103.${int(20, 250)}`, `194.${int(1, 200)}`, `61.${int(128, 190)}`]) + `.${int(1, 254)}.${int(1, 254)}`
  return {...r, publicIp}
}

/** Traffic over the day (UTC): a night trough near 0.15, a morning rise, a peak mid-afternoon. */
function load(t) {
  const h = (t % (24 * HOUR)) / HOUR
  const day = h < 6 || h > 23.5 ? 0 : Math.sin((Math.PI * (h - 6)) / 17.5) ** 1.4
  return 0.15 + 0.85 * day * (h > 12 && h < 13 ? 0.85 : 1)
}

function stamp(t) {
  const d = new Date(t)
  const p = (n) => String(n).padStart(2, '0')
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
}

function haproxyStamp(t) {
  const d = new Date(t)
  const p = (n, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
}

/** The fleet: events, pids that change on restarts, silences and servers out of rotation. */
function createFleet(seed, T0, T1) {
  const R = rng(seed)
  const events = []
  const pids = new Map()
  const silences = []
  const outOfRotation = []
  let nextPid = R.int(900, 3000)
  const fleet = {
    R, T0, T1, events, silences, outOfRotation, jobFailures: [],
    emit(t, host, prog, pid, msg, inc) {
      if (t >= T0 && t < T1) events.push({t: Math.floor(t), host, prog, pid, msg, inc, k: events.length})
    },
    freshPid: () => (nextPid += R.int(3, 400)) > 4_000_000 ? (nextPid = 1000) : nextPid,
    pid(host, prog, t) {
      const key = `${host}/${prog}`
      if (!pids.has(key)) pids.set(key, [[-Infinity, fleet.freshPid()]])
      const list = pids.get(key)
      let p = list[0][1]
      for (const [from, v] of list) if (from <= t) p = v
      return p
    },
    restart(host, prog, t) {
      fleet.pid(host, prog, t)
      const list = pids.get(`${host}/${prog}`)
      list.push([t, fleet.freshPid()])
      list.sort((a, b) => a[0] - b[0])
    },
    /** An app server's `prog` taking requests at t (not silenced, not out of rotation). */
    serving(host, prog, t) {
      const off = (x) => x.host === host && (x.prog === null || x.prog === prog) && t >= x.start && t <= x.end
      return !silences.some(off) && !outOfRotation.some(off)
    },
    failing: (host, job, t) => fleet.jobFailures.find((f) => f.host === host && f.job === job && t >= f.start && t <= f.end),
  }
  return fleet
}

/** Every `everyMin` minutes from midnight at `offsetMin`, a few seconds late. */
function every(f, everyMin, offsetMin = 0, lateSec = 2) {
  const out = []
  for (let t = f.T0 - (f.T0 % (everyMin * MIN)) + offsetMin * MIN; t < f.T1; t += everyMin * MIN) if (t >= f.T0) out.push(t + f.R.int(0, lateSec * 1000))
  return out
}

/** `perMin × shape(t)` events a minute, Poisson, each at a random moment of its minute. */
function perMinute(f, rate, shape, fn) {
  for (let m = f.T0; m < f.T1; m += MIN) {
    const n = f.R.poisson(rate * (shape ? shape(m) : 1))
    for (let i = 0; i < n; i++) fn(m + Math.floor(f.R.next() * MIN))
  }
}

const ledgerLine = (f, t, route, status, ms, reqId) => `INFO  [http-nio-8080-exec-${f.R.int(1, 64)}] c.a.ledger.web.${route[2]} : req=${reqId} ${route[0]} ${route[1].replace('{n}', String(f.R.int(10000, 999999)))} -> ${status} in ${ms}ms`
const quotesLine = (f, pair, status, ms, reqId) => `[INFO] quotes.api: req=${reqId} GET /v1/quotes/${pair} ${status} ${ms}ms`
const accessLine = (f, t, svc, host, status, bytes, ms, req) => `${f.R.publicIp()}:${f.R.int(1024, 65535)} [${haproxyStamp(t - ms)}] fe_https~ be_${svc}/${host} 0/0/${f.R.int(0, 2)}/${ms}/${ms + f.R.int(0, 3)} ${status} ${bytes} - - ---- ${f.R.int(20, 400)}/${f.R.int(20, 400)}/${f.R.int(1, 60)}/${f.R.int(1, 30)}/0 0/0 "${req} HTTP/1.1"`
const slowLedger = (f, route, ms, reqId) => `WARN  [http-nio-8080-exec-${f.R.int(1, 64)}] c.a.ledger.web.SlowRequestFilter : req=${reqId} slow request ${route[0]} ${route[1].replace('{n}', String(f.R.int(10000, 999999)))} took ${ms}ms (threshold 2000ms)`
const abortedConn = (f, host) => `[Warning] Aborted connection ${f.R.int(100000, 9999999)} to db: 'ledger' user: 'ledger_rw' host: '${f.R.pick(['10.20.1.11', '10.20.1.12'])}' (Got timeout reading communication packets)`
const feedBackoff = (f) => `[WARNING] quotes.feed: req=${f.R.hex(16)} feed.fxrates.io answered 429 Too Many Requests, backing off ${f.R.int(1, 8)}s`

/** Client requests through haproxy to the two services; the odd slow one; out-of-rotation aware. */
function traffic(f) {
  const {R, emit} = f
  perMinute(f, 58, load, (t) => {
    const svc = R.chance(0.62) ? 'ledger' : 'quotes'
    const up = APPS.filter((h) => f.serving(h, PROG[svc], t))
    if (up.length === 0) {
      emit(t, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), accessLine(f, t, svc, '<NOSRV>', 503, 217, 0, `GET /v1/quotes/${R.pick(PAIRS)}`))
      return
    }
    const host = R.pick(up)
    const slow = R.chance(1 / 350)
    if (svc === 'ledger') {
      const route = R.weighted(LEDGER_ROUTES, (r) => r[3])
      const ms = slow ? R.int(2100, 9500) : R.int(route[4], route[5])
      const status = R.chance(0.015) ? 404 : route[0] === 'POST' ? 201 : 200
      if (slow) emit(t + ms - 2, host, 'ledger', f.pid(host, 'ledger', t), slowLedger(f, route, ms, R.hex(16)))
      emit(t + ms - 1, host, 'ledger', f.pid(host, 'ledger', t), ledgerLine(f, t, route, status, ms, R.hex(16)))
      emit(t + ms, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), accessLine(f, t + ms, svc, host, status, R.int(200, 4000), ms, `${route[0]} ${route[1].replace('{n}', String(R.int(10000, 999999)))}`))
    } else {
      const pair = R.pick(PAIRS)
      const ms = slow ? R.int(1500, 6000) : R.int(3, 45)
      if (slow) emit(t + ms - 2, host, 'gunicorn', f.pid(host, 'gunicorn', t), `[WARNING] quotes.api: req=${R.hex(16)} slow response ${(ms / 1000).toFixed(1)}s for GET /v1/quotes/${pair} (upstream feed latency)`)
      emit(t + ms - 1, host, 'gunicorn', f.pid(host, 'gunicorn', t), quotesLine(f, pair, 200, ms, R.hex(16)))
      emit(t + ms, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), accessLine(f, t + ms, svc, host, 200, R.int(150, 400), ms, `GET /v1/quotes/${pair}`))
    }
  })
}

/** An ssh session of an operator: accepted key, PAM, logind, scope, closed. */
function opsLogin(f, host, t, user, len) {
  const {R, emit} = f
  const p = f.freshPid()
  const n = R.int(100, 9000)
  emit(t, host, 'sshd', p, `Accepted publickey for ${user} from 10.20.9.${R.int(2, 40)} port ${R.int(40000, 65000)} ssh2: ED25519 SHA256:${R.hex(22)}`)
  emit(t + 5, host, 'sshd', p, `pam_unix(sshd:session): session opened for user ${user}(uid=${1000 + user.length}) by (uid=0)`)
  emit(t + 9, host, 'systemd-logind', f.pid(host, 'systemd-logind', t), `New session ${n} of user ${user}.`)
  emit(t + 12, host, 'systemd', 1, `Started Session ${n} of User ${user}.`)
  emit(t + len, host, 'sshd', p, `Received disconnect from 10.20.9.${R.int(2, 40)} port ${R.int(40000, 65000)}:11: disconnected by user`)
  emit(t + len + 3, host, 'sshd', p, `pam_unix(sshd:session): session closed for user ${user}`)
  emit(t + len + 6, host, 'systemd', 1, `session-${n}.scope: Deactivated successfully.`)
  emit(t + len + 8, host, 'systemd-logind', f.pid(host, 'systemd-logind', t), `Removed session ${n}.`)
}

/** A cron job's three lines (PAM open, CMD, PAM close). */
function cronRun(f, host, t, user, cmd) {
  const p = f.freshPid()
  f.emit(t, host, 'CRON', p, `pam_unix(cron:session): session opened for user ${user}(uid=${user === 'root' ? 0 : 1001}) by (uid=0)`)
  f.emit(t + 1, host, 'CRON', p, `(${user}) CMD (${cmd})`)
  f.emit(t + f.R.int(200, 4000), host, 'CRON', p, `pam_unix(cron:session): session closed for user ${user}`)
  return p
}

/** Ordinary system chatter and the alarming-looking noise of a healthy fleet. */
function background(f) {
  const {R, emit, T0, T1} = f
  const kernel = (t, host, msg) => emit(t, host, 'kernel', null, `[${((t - T0) / 1000 + 3_456_789 + host.length * 97_531).toFixed(6).padStart(14)}] ${msg}`)
  for (const h of HOSTS) {
    perMinute(f, 1.2, null, (t) => emit(t, h.name, 'snmpd', f.pid(h.name, 'snmpd', t), `Connection from UDP: [10.20.9.5]:${R.int(30000, 60000)}->[${h.ip}]:161`))
    for (const t of every(f, 10, 2)) cronRun(f, h.name, t, 'root', 'command -v debian-sa1 > /dev/null && debian-sa1 1 1')
    for (const t of every(f, 60, 17)) cronRun(f, h.name, t, 'root', 'cd / && run-parts --report /etc/cron.hourly')
    for (const t of every(f, 64, R.int(0, 60), 300)) emit(t, h.name, 'chronyd', f.pid(h.name, 'chronyd', t), R.chance(0.8) ? `Selected source 10.20.0.${R.int(2, 3)} (ntp${R.int(1, 2)}.internal)` : `System clock wrong by ${(R.next() * 0.9 + 0.1).toFixed(6)} seconds`)
    // firewall drops all day, a port scan now and then
    perMinute(f, h.role === 'lb' ? 1.5 : 0.25, null, (t) => kernel(t, h.name, `[UFW BLOCK] IN=eth0 OUT= MAC=${R.hex(2)}:${R.hex(2)}:${R.hex(2)}:${R.hex(2)}:${R.hex(2)}:${R.hex(2)} SRC=${R.publicIp()} DST=${h.ip} LEN=${R.pick([40, 44, 60])} TOS=0x00 PREC=0x00 TTL=${R.int(40, 250)} ID=${R.int(1, 65000)} PROTO=TCP SPT=${R.int(1024, 65535)} DPT=${R.pick([23, 445, 3389, 5900, 8081, 2375, 6379, 9200, 11211])} WINDOW=${R.pick([1024, 65535, 29200])} RES=0x00 SYN URGP=0`))
    for (let k = R.int(1, h.role === 'lb' ? 6 : 2); k > 0; k--) {
      const s = R.int(T0, T1 - 10 * MIN)
      const src = R.publicIp()
      for (let i = R.int(40, 300); i > 0; i--) kernel(s + R.int(0, 4 * MIN), h.name, `[UFW BLOCK] IN=eth0 OUT= MAC=${R.hex(12)} SRC=${src} DST=${h.ip} LEN=44 TOS=0x00 PREC=0x00 TTL=${R.int(40, 60)} ID=${R.int(1, 65000)} PROTO=TCP SPT=${R.int(1024, 65535)} DPT=${R.int(1, 65535)} WINDOW=1024 RES=0x00 SYN URGP=0`)
    }
    // operators logging in during working hours
    for (let k = R.int(1, 4); k > 0; k--) opsLogin(f, h.name, T0 + R.int(8 * 60, 19 * 60) * MIN % (T1 - T0), R.pick(['mkovac', 'jsilva', 'ops']), R.int(30, 1800) * SEC)
    // logrotate and friends at 06:25, apt at a random morning time
    for (const t of every(f, 24 * 60, 6 * 60 + 25)) {
      cronRun(f, h.name, t, 'root', 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }')
      emit(t + 2 * SEC, h.name, 'systemd', 1, 'Starting Rotate log files...')
      emit(t + 3 * SEC, h.name, 'rsyslogd', f.pid(h.name, 'rsyslogd', t), `[origin software="rsyslogd" swVersion="8.2112.0" x-pid="${f.pid(h.name, 'rsyslogd', t)}" x-info="https://www.rsyslog.com"] rsyslogd was HUPed`)
      emit(t + 4 * SEC, h.name, 'systemd', 1, 'logrotate.service: Deactivated successfully.')
      emit(t + 4 * SEC + 1, h.name, 'systemd', 1, 'Finished Rotate log files.')
      const a = t + R.int(10, 200) * MIN
      emit(a, h.name, 'systemd', 1, 'Starting Daily apt upgrade and clean activities...')
      emit(a + R.int(20, 90) * SEC, h.name, 'systemd', 1, 'apt-daily-upgrade.service: Deactivated successfully.')
      emit(a + R.int(91, 95) * SEC, h.name, 'systemd', 1, 'Finished Daily apt upgrade and clean activities.')
      emit(t + 4 * HOUR + R.int(0, 60) * MIN, h.name, 'systemd', 1, 'Starting Cleanup of Temporary Directories...')
    }
    // alarming-looking but routine kernel lines, a few a day
    for (let k = R.int(0, 2); k > 0; k--) kernel(R.int(T0, T1), h.name, `perf: interrupt took too long (${R.int(2501, 4000)} > 2500), lowering kernel.perf_event_max_sample_rate to ${R.int(40000, 79000)}`)
    emit(R.int(T0, T1), h.name, 'systemd-resolved', f.pid(h.name, 'systemd-resolved', T0), 'Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.20.0.2.')
  }
  // ssh scanners: waves against the public lb and the bastion, trying names and root
  for (const [host, waves] of [['lb-east', R.int(4, 9)], ['ops-1', R.int(1, 3)]]) {
    for (let w = 0; w < waves; w++) {
      const s = R.int(T0, T1 - 30 * MIN)
      const ip = R.publicIp()
      const len = R.int(3, 25) * MIN
      for (let i = R.int(15, 160); i > 0; i--) {
        const t = s + R.int(0, len)
        const p = f.freshPid()
        const user = R.chance(0.3) ? 'root' : R.pick(SCAN_NAMES)
        const port = R.int(30000, 65000)
        if (user === 'root') emit(t, host, 'sshd', p, `Connection closed by authenticating user root ${ip} port ${port} [preauth]`)
        else {
          emit(t, host, 'sshd', p, `Invalid user ${user} from ${ip} port ${port}`)
          emit(t + 400, host, 'sshd', p, `Disconnected from invalid user ${user} ${ip} port ${port} [preauth]`)
        }
      }
    }
    perMinute(f, 0.05, null, (t) => emit(t, host, 'sshd', f.freshPid(), R.chance(0.5) ? `error: kex_exchange_identification: Connection closed by remote host` : `Unable to negotiate with ${R.publicIp()} port ${R.int(30000, 65000)}: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]`))
  }
  // lb: health checks answering 503 once in a while, SYN cookies at the peak
  for (let k = R.int(3, 7); k > 0; k--) {
    const t = R.int(T0, T1)
    const h = R.pick(APPS)
    const svc = R.pick(['ledger', 'quotes'])
    emit(t, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), `Health check for server be_${svc}/${h} failed, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: ${R.int(1, 9)}ms, status: 2/3 UP.`)
    emit(t + 2 * SEC, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), `Health check for server be_${svc}/${h} succeeded, reason: Layer7 check passed, code: 200, check duration: ${R.int(1, 9)}ms, status: 3/3 UP.`)
  }
  for (let k = R.int(1, 3); k > 0; k--) kernel(T0 + R.int(13 * 60, 17 * 60) * MIN % (T1 - T0), 'lb-east', 'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.')
  // app servers: GC, rare full GC, feed refresh, gunicorn worker timeouts, cache warm-up timer
  for (const h of APPS) {
    let gc = R.int(100, 900)
    perMinute(f, 2.2, load, (t) => {
      const full = R.chance(1 / 600)
      emit(t, h, 'ledger', f.pid(h, 'ledger', t), full ? `[gc] GC(${gc++}) Pause Full (G1 Compaction Pause) ${R.int(900, 1000)}M->${R.int(300, 500)}M(1024M) ${(R.next() * 900 + 400).toFixed(3)}ms` : `[gc] GC(${gc++}) Pause Young (Normal) (G1 Evacuation Pause) ${R.int(400, 700)}M->${R.int(80, 200)}M(1024M) ${(R.next() * 20 + 2).toFixed(3)}ms`)
    })
    for (const t of every(f, 1, 0, 5)) if (R.chance(0.5)) emit(t, h, 'gunicorn', f.pid(h, 'gunicorn', t), `[INFO] quotes.feed: refreshed ${R.int(40, 48)} rates from feed.fxrates.io in ${R.int(90, 400)}ms`)
    perMinute(f, 4 / 60, load, (t) => emit(t, h, 'gunicorn', f.pid(h, 'gunicorn', t), feedBackoff(f)))
    for (let k = R.int(0, 2); k > 0; k--) {
      const t = R.int(T0, T1)
      const wp = f.freshPid()
      emit(t, h, 'gunicorn', f.pid(h, 'gunicorn', t), `[CRITICAL] WORKER TIMEOUT (pid:${wp})`)
      emit(t + 30, h, 'gunicorn', f.pid(h, 'gunicorn', t), `[INFO] Worker exiting (pid: ${wp})`)
      emit(t + 900, h, 'gunicorn', f.pid(h, 'gunicorn', t), `[INFO] Booting worker with pid: ${f.freshPid()}`)
    }
  }
  for (const t of every(f, 5, 1, 3)) {
    const p = f.freshPid()
    emit(t, 'app-1', 'systemd', 1, 'Starting Warm pricing cache...')
    if (f.failing('app-1', 'cache-warm', t)) {
      const fail = f.failing('app-1', 'cache-warm', t)
      emit(t + 900, 'app-1', 'cache-warm', p, 'Traceback (most recent call last):', fail.inc)
      emit(t + 901, 'app-1', 'cache-warm', p, `redis.exceptions.ConnectionError: Error 111 connecting to 10.20.2.40:6379. Connection refused.`, fail.inc)
      emit(t + 950, 'app-1', 'systemd', 1, 'cache-warm.service: Main process exited, code=exited, status=1/FAILURE', fail.inc)
      emit(t + 951, 'app-1', 'systemd', 1, 'Failed to start Warm pricing cache.', fail.inc)
    } else {
      emit(t + R.int(800, 2500), 'app-1', 'cache-warm', p, `warmed ${R.int(700, 900)} keys in ${(R.next() * 2 + 0.5).toFixed(2)}s`)
      emit(t + 2600, 'app-1', 'systemd', 1, 'cache-warm.service: Deactivated successfully.')
      emit(t + 2601, 'app-1', 'systemd', 1, 'Finished Warm pricing cache.')
    }
  }
  // db: aborted connections, page_cleaner notes, EDAC corrected errors, smartd, hourly backup
  perMinute(f, 3 / 60, null, (t) => emit(t, 'db-main', 'mysqld', f.pid('db-main', 'mysqld', t), abortedConn(f)))
  for (let k = R.int(2, 6); k > 0; k--) {
    const t = R.int(T0, T1)
    emit(t, 'db-main', 'mysqld', f.pid('db-main', 'mysqld', t), `[Note] InnoDB: page_cleaner: 1000ms intended loop took ${R.int(4000, 9000)}ms. The settings might not be optimal. (flushed=${R.int(100, 900)} and evicted=0, during the time.)`)
  }
  for (let k = R.int(1, 4); k > 0; k--) kernel(R.int(T0, T1), 'db-main', `EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#${R.int(0, 3)}_DIMM#0 (channel:${R.int(0, 3)} slot:0 page:0x${R.hex(5)} offset:0x0 grain:32 syndrome:0x0 - area:DRAM err_code:0000:0090 socket:0 ha:0 channel_mask:1 rank:0)`)
  for (const t of every(f, 30, 11, 20)) emit(t, 'db-main', 'smartd', f.pid('db-main', 'smartd', t), R.chance(0.3) ? `Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from ${R.int(33, 36)} to ${R.int(34, 37)}` : `Device: /dev/sdb [SAT], SMART Prefailure Attribute: 1 Raw_Read_Error_Rate changed from ${R.int(75, 80)} to ${R.int(76, 82)}`)
  for (const t of every(f, 15, 7)) {
    const p = cronRun(f, 'db-main', t, 'backup', '/usr/local/bin/backup-db --incremental')
    const snap = new Date(t).toISOString().slice(0, 16).replace(/[-:T]/g, '')
    const fail = f.failing('db-main', 'backup-db', t)
    emit(t + 2 * SEC, 'db-main', 'backup-db', p, `snapshot ${snap} started (incremental, base ${R.hex(8)})`, fail?.inc)
    if (fail) {
      emit(t + R.int(20, 60) * SEC, 'db-main', 'backup-db', p, `mariabackup: Error writing file '/srv/snap/${snap}/ib_logfile0' (Errcode: 28 "No space left on device")`, fail.inc)
      emit(t + 61 * SEC, 'db-main', 'backup-db', p, `snapshot ${snap} aborted with exit status 1; last good snapshot kept`, fail.inc)
    } else emit(t + R.int(60, 240) * SEC, 'db-main', 'backup-db', p, `snapshot ${snap} done: ${R.int(200, 900)} MB streamed to s3://ops-archive/db-main/ in ${R.int(40, 230)}s`)
  }
  // ops host: invoice batch every 10 min, DHCP, postfix for cron mail
  for (const t of every(f, 10, 3)) {
    const p = cronRun(f, 'ops-1', t, 'billing', '/opt/billing/bin/invoice-batch --since 10m')
    const run = R.int(10000, 99999)
    const fail = f.failing('ops-1', 'invoice-batch', t)
    emit(t + SEC, 'ops-1', 'invoice-batch', p, `run ${run} started`, fail?.inc)
    if (fail) {
      emit(t + 3 * SEC, 'ops-1', 'invoice-batch', p, `run ${run}: cannot reach ledger API https://ledger.internal/v2/statements: 401 Unauthorized (token expired)`, fail.inc)
      emit(t + 3 * SEC + 5, 'ops-1', 'invoice-batch', p, `run ${run} aborted, 0 invoices issued`, fail.inc)
    } else emit(t + R.int(5, 40) * SEC, 'ops-1', 'invoice-batch', p, `run ${run} finished: ${R.int(0, 120)} invoices issued`)
  }
  for (let t = T0 + R.int(0, 30) * MIN; t < T1; t += R.int(25, 35) * MIN) {
    const p = f.freshPid()
    emit(t, 'ops-1', 'dhclient', p, 'DHCPREQUEST for 10.20.3.30 on eth0 to 10.20.0.2 port 67')
    emit(t + 20, 'ops-1', 'dhclient', p, 'DHCPACK of 10.20.3.30 from 10.20.0.2')
    emit(t + 25, 'ops-1', 'dhclient', p, `bound to 10.20.3.30 -- renewal in ${R.int(1500, 2100)} seconds.`)
  }
  perMinute(f, 0.15, null, (t) => {
    const id = R.hex(10).toUpperCase()
    emit(t, 'ops-1', 'postfix/pickup', f.pid('ops-1', 'postfix/pickup', t), `${id}: uid=0 from=<root>`)
    emit(t + 50, 'ops-1', 'postfix/qmgr', f.pid('ops-1', 'postfix/qmgr', t), `${id}: from=<root@ops-1.internal>, size=${R.int(600, 4000)}, nrcpt=1 (queue active)`)
    if (R.chance(0.06)) emit(t + 30 * SEC, 'ops-1', 'postfix/smtp', f.freshPid(), `${id}: to=<oncall@example.org>, relay=none, delay=${R.int(30, 900)}, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[198.51.100.25]:25: Connection timed out)`)
    else emit(t + 900, 'ops-1', 'postfix/smtp', f.freshPid(), `${id}: to=<oncall@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${R.hex(9).toUpperCase()})`)
  })
}

/** The daily rolling deploy of ledger: out of rotation, stop, JVM start-up, back in rotation. */
function deploy(f) {
  const {R, emit} = f
  for (let day = f.T0 - (f.T0 % (24 * HOUR)); day < f.T1; day += 24 * HOUR) {
    let t = day + R.int(10 * 60, 16 * 60) * MIN
    const version = `4.${R.int(10, 40)}.${R.int(0, 9)}`
    for (const h of APPS) {
      const lb = (dt, msg) => emit(t + dt, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), msg)
      const sd = (dt, msg) => emit(t + dt, h, 'systemd', 1, msg)
      const j = (dt, msg) => emit(t + dt, h, 'ledger', f.pid(h, 'ledger', t + dt), msg)
      lb(0, `Server be_ledger/${h} is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
      f.outOfRotation.push({host: h, prog: 'ledger', start: t, end: t + 40 * SEC})
      sd(1000, 'Stopping Ledger API...')
      j(1100, 'INFO  [SpringApplicationShutdownHook] o.s.b.w.e.tomcat.GracefulShutdown : Commencing graceful shutdown. Waiting for active requests to complete')
      j(2500, 'INFO  [tomcat-shutdown] o.s.b.w.e.tomcat.GracefulShutdown : Graceful shutdown complete')
      sd(3000, 'ledger.service: Deactivated successfully.')
      sd(3001, 'Stopped Ledger API.')
      sd(3002, `ledger.service: Consumed ${R.int(1, 9)}h ${R.int(1, 59)}min ${R.int(1, 59)}.${R.int(100, 999)}s CPU time.`)
      f.restart(h, 'ledger', t + 3500)
      sd(3600, 'Started Ledger API.')
      j(6000, `INFO  [main] c.a.ledger.LedgerApplication : Starting LedgerApplication v${version} using Java 17.0.9 with PID ${f.pid(h, 'ledger', t + 6000)}`)
      j(6100, 'INFO  [main] o.s.b.w.embedded.tomcat.TomcatWebServer : Tomcat initialized with port(s): 8080 (http)')
      j(9000, 'INFO  [main] com.zaxxer.hikari.HikariDataSource : HikariPool-1 - Starting...')
      j(9400, 'INFO  [main] com.zaxxer.hikari.HikariDataSource : HikariPool-1 - Start completed.')
      j(20000, `INFO  [main] c.a.ledger.LedgerApplication : Started LedgerApplication in ${(14 + R.next() * 4).toFixed(3)} seconds (process running for ${(16 + R.next() * 4).toFixed(3)})`)
      lb(40 * SEC, `Server be_ledger/${h} is UP/READY (leaving forced maintenance). 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
      t += R.int(90, 240) * SEC
    }
  }
}

const SPAN = {'new-failure': [2, 30], 'rate-spike': [5, 45], flapping: [6, 40], 'job-failing': [25, 60], quiet: [10, 60]}

/** One incident of `kind` from `start` for `dur` ms; returns its truth fields (lines carry `inc`). */
function inject(f, kind, start, dur, inc) {
  const {R, emit} = f
  const over = (stepLo, stepHi, fn) => {
    for (let t = start; t <= start + dur; t += R.int(stepLo, stepHi)) fn(t)
  }
  if (kind === 'new-failure') {
    const v = R.pick(['disk-io', 'db-pool', 'cert', 'npe'])
    if (v === 'disk-io') {
      over(5 * SEC, 60 * SEC, (t) => {
        emit(t, 'db-main', 'kernel', null, `[${((t - f.T0) / 1000 + 3_500_000).toFixed(6).padStart(14)}] blk_update_request: I/O error, dev sdb, sector ${R.int(1e6, 9e8)} op 0x1:(WRITE) flags 0x800 phys_seg ${R.int(1, 32)} prio class 0`, inc)
        if (R.chance(0.5)) emit(t + 30, 'db-main', 'kernel', null, `[${((t - f.T0) / 1000 + 3_500_000).toFixed(6).padStart(14)}] Buffer I/O error on dev sdb1, logical block ${R.int(1e5, 1e8)}, lost async page write`, inc)
        if (R.chance(0.3)) emit(t + 200, 'db-main', 'mysqld', f.pid('db-main', 'mysqld', t), `[ERROR] InnoDB: Operating system error number 5 in a file operation.`, inc)
      })
      return {variant: v, hosts: ['db-main'], component: 'kernel', marker: 'I/O error, dev sdb', title: 'disk sdb on db-main returning write errors'}
    }
    const h = R.pick(APPS)
    if (v === 'db-pool') {
      over(2 * SEC, 25 * SEC, (t) => emit(t, h, 'ledger', f.pid(h, 'ledger', t), `ERROR [http-nio-8080-exec-${R.int(1, 64)}] c.a.ledger.web.TransferController : req=${R.hex(16)} request failed: org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection; HikariPool-1 - Connection is not available, request timed out after 30000ms.`, inc))
      return {variant: v, hosts: [h], component: 'ledger', marker: 'Connection is not available', title: `ledger on ${h} out of database connections`}
    }
    if (v === 'cert') {
      over(15 * SEC, 45 * SEC, (t) => emit(t, h, 'gunicorn', f.pid(h, 'gunicorn', t), `[ERROR] quotes.feed: req=${R.hex(16)} refresh failed: SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)'))`, inc))
      return {variant: v, hosts: [h], component: 'gunicorn', marker: 'CERTIFICATE_VERIFY_FAILED', title: `quotes on ${h} cannot verify the feed's certificate`}
    }
    over(3 * SEC, 40 * SEC, (t) => emit(t, h, 'ledger', f.pid(h, 'ledger', t), `ERROR [http-nio-8080-exec-${R.int(1, 64)}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : req=${R.hex(16)} Servlet.service() threw exception java.lang.NullPointerException: Cannot invoke "com.acme.ledger.model.Account.getCurrency()" because "source" is null`, inc))
    return {variant: v, hosts: [h], component: 'ledger', marker: 'NullPointerException', title: `ledger on ${h} throwing NullPointerException on transfers`}
  }
  if (kind === 'rate-spike') {
    const v = R.pick(['aborted-connections', 'slow-requests', 'feed-backoff'])
    const mult = R.int(12, 40)
    const h = R.pick(APPS)
    const [host, prog, base, line] = {
      'aborted-connections': ['db-main', 'mysqld', 3 / 60, () => abortedConn(f)],
      'slow-requests': [h, 'ledger', 58 * 0.62 * 0.5 / 350, () => slowLedger(f, R.pick(LEDGER_ROUTES), R.int(2100, 9500), R.hex(16))],
      'feed-backoff': [h, 'gunicorn', 4 / 60, () => feedBackoff(f)],
    }[v]
    for (let m = start; m < start + dur; m += MIN) {
      for (let i = R.poisson(Math.max(1.5, mult * base * (prog === 'mysqld' ? 1 : load(m)))); i > 0; i--) {
        const t = m + R.int(0, Math.min(MIN, start + dur - m))
        emit(t, host, prog, f.pid(host, prog, t), line(), inc)
      }
    }
    const marker = {'aborted-connections': 'Aborted connection', 'slow-requests': 'slow request', 'feed-backoff': 'backing off'}[v]
    return {variant: v, hosts: [host], component: prog, marker, rate_multiplier: mult, title: `"${marker}" on ${host} at ~${mult}x its normal rate`}
  }
  if (kind === 'flapping') {
    const v = R.pick(['lb-backend', 'vrrp', 'restart-loop'])
    if (v === 'lb-backend') {
      const h = R.pick(APPS)
      const svc = R.pick(['ledger', 'quotes'])
      let up = true
      over(20 * SEC, 90 * SEC, (t) => {
        up = !up
        const l = (dt, msg) => emit(t + dt, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', t), msg, inc)
        if (!up) {
          l(0, `Health check for server be_${svc}/${h} failed, reason: Layer4 timeout, check duration: 2001ms, status: 0/2 DOWN.`)
          l(1, `Server be_${svc}/${h} is DOWN. 1 active and 0 backup servers left. ${R.int(0, 9)} sessions active, 0 requeued, 0 remaining in queue.`)
          f.outOfRotation.push({host: h, prog: PROG[svc], start: t, end: t + 20 * SEC})
        } else l(0, `Server be_${svc}/${h} is UP. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
      })
      return {variant: v, hosts: ['lb-east', h], component: 'haproxy', marker: 'is DOWN', title: `backend be_${svc}/${h} flapping on lb-east`}
    }
    if (v === 'vrrp') {
      let master = true
      over(15 * SEC, 120 * SEC, (t) => {
        master = !master
        const p = f.pid('lb-east', 'Keepalived_vrrp', t)
        if (!master) emit(t, 'lb-east', 'Keepalived_vrrp', p, '(VI_PUBLIC) Master received advert from 10.20.0.11 with higher priority 120, ours 110', inc)
        emit(t + 5, 'lb-east', 'Keepalived_vrrp', p, `(VI_PUBLIC) Entering ${master ? 'MASTER' : 'BACKUP'} STATE`, inc)
        if (master) emit(t + 1000, 'lb-east', 'Keepalived_vrrp', p, '(VI_PUBLIC) Sending/queueing gratuitous ARPs on eth0 for 203.0.113.80', inc)
      })
      return {variant: v, hosts: ['lb-east'], component: 'Keepalived_vrrp', marker: 'Entering BACKUP STATE', title: 'keepalived on lb-east flapping between MASTER and BACKUP'}
    }
    const h = R.pick(APPS)
    let n = 0
    over(25 * SEC, 75 * SEC, (t) => {
      n++
      const g = (dt, msg) => emit(t + dt, h, 'gunicorn', f.pid(h, 'gunicorn', t), msg, inc)
      g(0, `[ERROR] Exception in worker process`)
      g(1, `[INFO] Worker exiting (pid: ${f.freshPid()})`)
      g(200, `[INFO] Shutting down: Master`)
      g(201, `[INFO] Reason: Worker failed to boot.`)
      emit(t + 300, h, 'systemd', 1, 'quotes.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED', inc)
      emit(t + 301, h, 'systemd', 1, `quotes.service: Failed with result 'exit-code'.`, inc)
      emit(t + 5300, h, 'systemd', 1, `quotes.service: Scheduled restart job, restart counter is at ${n}.`, inc)
      f.restart(h, 'gunicorn', t + 5400)
      f.silences.push({host: h, prog: 'gunicorn', start: t + 300, end: t + 5400, inc})
      emit(t + 5500, h, 'gunicorn', f.pid(h, 'gunicorn', t + 5500), `[INFO] Starting gunicorn 21.2.0`, inc)
      emit(t + 5501, h, 'gunicorn', f.pid(h, 'gunicorn', t + 5500), `[INFO] Listening at: http://127.0.0.1:8000 (${f.pid(h, 'gunicorn', t + 5500)})`, inc)
    })
    return {variant: v, hosts: [h], component: 'gunicorn', marker: 'Worker failed to boot', title: `quotes on ${h} in a restart loop (${n} restarts)`}
  }
  if (kind === 'job-failing') {
    const v = R.pick(['invoice-batch', 'backup-db', 'cache-warm'])
    const host = {'invoice-batch': 'ops-1', 'backup-db': 'db-main', 'cache-warm': 'app-1'}[v]
    f.jobFailures.push({host, job: v, start, end: start + dur, inc})
    const marker = {'invoice-batch': '401 Unauthorized', 'backup-db': 'No space left on device', 'cache-warm': 'Connection refused'}[v]
    return {variant: v, hosts: [host], component: v, marker, title: `${v} on ${host} failing every run`}
  }
  // quiet: a whole host stops logging (rsyslog wedged), or one service hangs
  const v = R.pick(['host', 'ledger', 'quotes'])
  if (v === 'host') {
    const host = R.pick(['ops-1', 'db-main', 'app-2'])
    f.silences.push({host, prog: null, start, end: start + dur, inc})
    return {variant: v, hosts: [host], component: '*', marker: null, silent: {host, program: null}, title: `${host} stopped logging`}
  }
  const h = R.pick(APPS)
  const prog = v === 'ledger' ? 'ledger' : 'gunicorn'
  f.silences.push({host: h, prog, start, end: start + dur, inc})
  if (R.chance(0.5)) {
    emit(start + 8 * SEC, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', start), `Server be_${v}/${h} is DOWN, reason: Layer7 timeout, check duration: 2001ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, inc)
    emit(start + dur + 2 * SEC, 'lb-east', 'haproxy', f.pid('lb-east', 'haproxy', start), `Server be_${v}/${h} is UP, reason: Layer7 check passed, code: 200, check duration: 3ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`, inc)
  }
  return {variant: v, hosts: [h], component: prog, marker: null, silent: {host: h, program: prog}, title: `${v} on ${h} hung: no lines`}
}

/** The log text and truth document; no files touched. */
export function generate({seed = 1, hours = 24, incidents, start} = {}) {
  const {T0, T1} = logSpan({seed, hours, start}, HOUR)
  const f = createFleet(seed, T0, T1)
  const count = incidents ?? Math.max(1, Math.round((10 * hours) / 24))
  const bag = shuffledKinds(count, Object.keys(SPAN), f.R)
  deploy(f)
  const slot = (T1 - T0) / count
  const planned = bag.map((kind, i) => {
    const [lo, hi] = SPAN[kind]
    const dur = Math.min(f.R.int(lo, hi) * MIN, slot * 0.6)
    const s = Math.floor(T0 + i * slot + f.R.next() * Math.max(0, slot - dur - 20 * MIN) + 10 * MIN)
    const id = `I${String(i + 1).padStart(2, '0')}`
    return {id, kind, start: s, dur, info: inject(f, kind, s, dur, id)}
  })
  traffic(f)
  background(f)
  const silenced = (e) => f.silences.some((s) => s.host === e.host && (s.prog === null || s.prog === e.prog) && e.t >= s.start && e.t <= s.end && e.inc !== s.inc)
  const events = f.events.filter((e) => !silenced(e)).sort((a, b) => a.t - b.t || a.k - b.k)
  const lines = events.map((e) => `${stamp(e.t)} ${e.host} ${e.prog}${e.pid === null ? '' : `[${e.pid}]`}: ${e.msg}`)
  const iso = (ms) => new Date(ms - (ms % 1000)).toISOString()
  const truth = []
  for (const p of planned) {
    const own = events.filter((e) => e.inc === p.id)
    const sil = p.info.silent ? f.silences.find((s) => s.inc === p.id && s.prog === p.info.silent.program) : null
    if (!sil && own.length === 0) continue
    const first = sil ? sil.start : own[0].t
    const last = sil ? Math.max(sil.end, ...own.map((e) => e.t)) : own[own.length - 1].t
    const {variant, title, hosts, component, marker, silent, rate_multiplier} = p.info
    truth.push({id: p.id, kind: p.kind, variant, title, hosts, component, start: iso(first), end: iso(Math.min(last, T1 - 1000)), marker, ...(silent ? {silent} : {}), ...(rate_multiplier ? {rate_multiplier} : {}), lines: own.length})
  }
  const doc = {
    generator: 'data/generate-ops.mjs',
    seed,
    hours,
    hosts: HOSTS.map(({name, role}) => ({name, role})),
    start: iso(T0),
    end: iso(T1),
    lines: lines.length,
    note: 'Syslog lines carry no year; their times are UTC in the year of start. A quiet incident has no marker: its evidence is that silent.host (silent.program, or every program when null) logs nothing between start and end.',
    incidents: truth,
  }
  return {text: lines.join('\n') + '\n', truth: doc}
}

runGenerator(import.meta, {
  script: 'data/generate-ops.mjs',
  defaultOut: 'ops_sample.log',
  generate,
  describe: (inc) => `${inc.id} ${inc.kind.padEnd(12)} ${inc.start.slice(11, 19)}-${inc.end.slice(11, 19)} ${inc.hosts.join(',')}: ${inc.title}`,
})
