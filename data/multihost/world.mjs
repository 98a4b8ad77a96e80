// The simulated fleet: hosts and their roles, daemon pids over time, and the event buffer.
import {prng, randomTools, syslogStamp} from './util.mjs'

/** Roles in the order hosts are added: five hosts are web, db, worker, cache and a second web. */
const ROLE_ORDER = [
  ['web-01', 'web'],
  ['db-01', 'db'],
  ['worker-01', 'worker'],
  ['cache-01', 'cache'],
  ['web-02', 'web'],
  ['bastion-01', 'bastion'],
  ['web-03', 'web'],
  ['worker-02', 'worker'],
]

export function fleet(k) {
  const hosts = []
  for (let i = 0; i < k; i++) {
    const [name, role] = ROLE_ORDER[i] ?? [`web-${String(i - 4).padStart(2, '0')}`, 'web']
    hosts.push({name, role, ip: `10.0.${1 + Math.floor(i / 50)}.${11 + (i % 50)}`})
  }
  return hosts
}

/**
 * A daemon's pid changes when it restarts (deploys, crashes, flapping). Restarts are registered
 * before lines are generated, so every line names the pid that was running at its time.
 */
class Daemons {
  constructor(tools) {
    this.tools = tools
    this.timelines = new Map()
  }

  key(host, prog) {
    return `${host}\u0000${prog}`
  }

  timeline(host, prog) {
    const k = this.key(host, prog)
    let tl = this.timelines.get(k)
    if (!tl) {
      tl = [{from: -Infinity, pid: this.tools.int(700, 2400)}]
      this.timelines.set(k, tl)
    }
    return tl
  }

  restart(host, prog, t) {
    const tl = this.timeline(host, prog)
    const pid = this.tools.int(2500, 65000)
    tl.push({from: t, pid})
    tl.sort((a, b) => a.from - b.from)
    return pid
  }

  pid(host, prog, t) {
    const tl = this.timeline(host, prog)
    let pid = tl[0].pid
    for (const e of tl) {
      if (e.from > t) break
      pid = e.pid
    }
    return pid
  }
}

export function createWorld({seed, hours, hosts, start}) {
  const r = prng(seed)
  const tools = randomTools(r)
  const T0 = start
  const T1 = start + hours * 3_600_000
  const world = {
    seed,
    hours,
    T0,
    T1,
    tools,
    hosts: fleet(hosts),
    daemons: new Daemons(tools),
    events: [],
    /** Spans in which a host (or one program on it) logs nothing: filled by "quiet" incidents. */
    silences: [],
    /** Spans in which a periodic job fails instead of succeeding: filled by "job-failing" incidents. */
    jobFailures: [],
    /** Incident-owned overrides of normal lines, keyed by name (see noise.mjs). */
    overrides: {},
  }
  world.byRole = (role) => world.hosts.filter((h) => h.role === role)
  world.host = (name) => world.hosts.find((h) => h.name === name)
  /** A one-off process id (sshd per connection, CRON per run, short jobs). */
  world.freshPid = () => tools.int(1000, 65000)
  world.emit = (t, host, prog, pid, msg, inc) => {
    if (t < T0 || t >= T1) return
    world.events.push({t: Math.floor(t), host, prog, pid, msg, inc})
  }
  return world
}

/** Sorted, silenced and formatted lines; ties keep generation order (Array.sort is stable). */
export function render(world) {
  const silent = (e) =>
    world.silences.some((s) => e.inc !== s.inc && e.host === s.host && (!s.prog || s.prog === e.prog) && e.t >= s.start && e.t <= s.end)
  const kept = world.events.filter((e) => !silent(e))
  kept.sort((a, b) => a.t - b.t)
  const lines = kept.map((e) => `${syslogStamp(e.t)} ${e.host} ${e.pid === null ? e.prog : `${e.prog}[${e.pid}]`}: ${e.msg}`)
  return {lines, events: kept}
}
