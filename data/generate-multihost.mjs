#!/usr/bin/env node
// A seeded multi-host syslog day with real incidents and the ground truth to score detection on
// (issue 14). Same seed and options, same bytes.
//
//   node data/generate-multihost.mjs [--seed 1] [--hours 24] [--hosts 5] [--incidents N]
//        [--start YYYY-MM-DD[THH:MM]] [--out data/multihost_sample.log] [--truth FILE] [--check]
//
// Writes RFC 3164 lines (`Mar  4 09:05:17 web-01 sshd[4121]: ...`, UTC, no year) and a truth JSON
// (default: the output name with .truth.json) listing each incident: id, kind, hosts, component,
// start, end (ISO, UTC) and a marker string found in its lines ("quiet" incidents have none: their
// evidence is the silence). An output ending in .gz is gzipped. Without --incidents a day holds
// ten, one of each kind in data/multihost/incidents.mjs, at times that differ with the seed.
// --check writes nothing and exits 1 when the files differ from a fresh run (the committed
// data/multihost_sample.* is seed 1 with the defaults).
// Seeds used by bench/incidents.mjs: 1 = "dev" (tune here), 2 and 3 = "check" (confirm there).
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import {createWorld, render} from './multihost/world.mjs'
import {deploys, generateNoise} from './multihost/noise.mjs'
import {injectIncident, planIncidents} from './multihost/incidents.mjs'
import {prng} from './multihost/util.mjs'

const here = dirname(fileURLToPath(import.meta.url))

/** Midnight of a date from the seed (day 1-28 of March to November 2026) unless a start is given. */
function startOf(seed, start) {
  if (start) {
    const ms = Date.parse(start.includes('T') ? (start.endsWith('Z') ? start : `${start}Z`) : `${start}T00:00:00Z`)
    if (Number.isNaN(ms)) throw new Error(`--start ${start}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`)
    return ms
  }
  const r = prng(seed ^ 0x5eed)
  return Date.UTC(2026, 2 + Math.floor(r() * 9), 1 + Math.floor(r() * 28))
}

/** The log lines and truth document for one set of options; no files touched. */
export function generate({seed = 1, hours = 24, hosts = 5, incidents, start} = {}) {
  if (!(hours > 0)) throw new Error('--hours must be positive')
  if (!(hosts >= 1)) throw new Error('--hosts must be at least 1')
  const world = createWorld({seed, hours, hosts, start: startOf(seed, start)})
  const count = incidents ?? Math.max(1, Math.round((10 * hours) / 24))
  deploys(world)
  const slots = planIncidents(world, count)
  const injected = slots.map((slot) => ({slot, info: injectIncident(world, slot)}))
  generateNoise(world)
  const {lines, events} = render(world)
  const byInc = new Map()
  for (const e of events) {
    if (!e.inc) continue
    const s = byInc.get(e.inc) ?? {first: e.t, last: e.t, n: 0}
    s.first = Math.min(s.first, e.t)
    s.last = Math.max(s.last, e.t)
    s.n++
    byInc.set(e.inc, s)
  }
  // whole seconds, as the log shows them
  const iso = (ms) => new Date(ms - (ms % 1000)).toISOString()
  const truth = []
  for (const {slot, info} of injected) {
    const seen = byInc.get(slot.id)
    let first = seen?.first
    let last = seen?.last
    if (info.silent) {
      first = slot.start
      last = Math.max(world.silences.find((x) => x.inc === slot.id).end, last ?? 0)
    } else if (!seen) continue // e.g. a failing job whose span held no run: nothing happened
    const {id, kind, variant, title, hosts: hs, component, marker, silent, rate_multiplier} = info
    truth.push({id, kind, ...(variant ? {variant} : {}), title, hosts: hs, component, start: iso(first), end: iso(Math.min(last, world.T1 - 1000)), marker, ...(silent ? {silent} : {}), ...(rate_multiplier ? {rate_multiplier} : {}), lines: seen?.n ?? 0})
  }
  const doc = {
    generator: 'data/generate-multihost.mjs',
    seed,
    hours,
    hosts: world.hosts.map(({name, role}) => ({name, role})),
    start: iso(world.T0),
    end: iso(world.T1),
    lines: lines.length,
    note: 'Syslog lines carry no year; their times are UTC in the year of start. A quiet incident has no marker: its evidence is that silent.host (silent.program, or every program when null) logs nothing between start and end.',
    incidents: truth,
  }
  return {text: lines.join('\n') + '\n', truth: doc}
}

function parseArgs(argv) {
  const opts = {}
  const num = (k, v) => {
    const n = Number(v)
    if (!Number.isFinite(n)) throw new Error(`--${k} ${v}: expected a number`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1]
    if (a === '--seed') opts.seed = num('seed', v)
    else if (a === '--hours') opts.hours = num('hours', v)
    else if (a === '--hosts') opts.hosts = num('hosts', v)
    else if (a === '--incidents') opts.incidents = num('incidents', v)
    else if (a === '--start') opts.start = v
    else if (a === '--out') opts.out = v
    else if (a === '--truth') opts.truth = v
    else if (a === '--check') {
      opts.check = true
      continue
    }
    else if (a === '--help' || a === '-h') {
      console.log('usage: node data/generate-multihost.mjs [--seed N] [--hours H] [--hosts K] [--incidents N] [--start YYYY-MM-DD[THH:MM]] [--out FILE] [--truth FILE] [--check]')
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
    i++
  }
  return opts
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(e.message)
    process.exit(2)
  }
  const out = opts.out ?? join(here, 'multihost_sample.log')
  const truthPath = opts.truth ?? out.replace(/(\.log)?(\.gz)?$/, '') + '.truth.json'
  const {text, truth} = generate(opts)
  if (opts.check) {
    const same = (f, want) => existsSync(f) && readFileSync(f).equals(want)
    const bad = [[out, out.endsWith('.gz') ? gzipSync(Buffer.from(text)) : Buffer.from(text)], [truthPath, Buffer.from(JSON.stringify(truth, null, 2) + '\n')]].filter(([f, want]) => !same(f, want))
    for (const [f] of bad) console.error(`${f} differs from a fresh run: regenerate it`)
    process.exit(bad.length > 0 ? 1 : 0)
  }
  mkdirSync(dirname(out), {recursive: true})
  writeFileSync(out, out.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text)
  writeFileSync(truthPath, JSON.stringify(truth, null, 2) + '\n')
  console.error(`${out}: ${truth.lines} lines, ${truth.hosts.length} hosts, ${truth.start} .. ${truth.end}, ${truth.incidents.length} incidents (truth: ${truthPath})`)
  for (const inc of truth.incidents) console.error(`  ${inc.id} ${inc.kind.padEnd(16)} ${inc.start.slice(11, 19)}-${inc.end.slice(11, 19)} ${inc.hosts.join(',')}: ${inc.title}`)
}
