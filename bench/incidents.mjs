#!/usr/bin/env node
// Incident-level accuracy of `flare detect` on generated multi-host syslog (issue 14): was each real
// incident raised, as one incident of about the right span, and how many raised incidents were false.
//
//   node bench/incidents.mjs [--generator multihost|ops|access] [--seeds 1,2,3] [--hours 24] [--hosts 5] [--slack 5m]
//                            [--strict-host] [--log FILE --truth FILE] [--results FILE] [--keep] [--json] [-- DETECT FLAGS]
//
// Logs come from data/generate-multihost.mjs (default) or, with `--generator ops`, from the
// independent data/generate-ops.mjs (its own fleet, words and incident shapes; five fixed hosts, so
// --hosts does not apply), or, with `--generator access`, from data/generate-access.mjs (web access
// logs in vhost_combined: four fixed virtual hosts are the hosts), into a temp dir (seed 1 = "dev",
// the set to tune on; every other seed = "check", to confirm that a change generalises). `--log F --truth T` scores an
// existing log instead, `--results R --truth T` an existing `flare detect --json` document. Each log
// goes through the built CLI with default settings: `./bin/run.js detect -i FILE --json --no-track`
// plus whatever follows `--` (e.g. `-- --session-key window --window 5m`).
//
// Matching rule (bench/lib/incident-match.mjs):
//  - a raised incident's span is its time_range (start..end); a real incident's span is
//    truth.start..end widened by the slack (default 5 minutes) on each side, because detection
//    works on windows and the first bad line can sit anywhere in one;
//  - a raised incident is credited to ONE real incident: among the widened real spans holding at
//    least half of its span, the one with the largest overlap (ties: nearest centre). So a raised
//    incident spanning hours of ordinary traffic is false even when real incidents lie inside it,
//    and one that merges two real incidents far apart finds neither;
//  - hosts: the hosts named in a raised incident's sample lines are compared with the real one's;
//    agreement is reported, and required only with --strict-host (a "quiet" incident has no lines,
//    so any host matches it);
//  - a real incident is detected when at least one raised incident is credited to it; it is "clean"
//    when exactly one is, and the hull of that raised span has IoU >= 0.3 with the real span;
//  - a raised incident credited to no real incident is false.
// Figures: incident precision = credited raised / raised, recall = detected real / real, F1,
// alerts per real incident = raised / real (goal of issue 14: F1 >= 0.85, <= 2 alerts per real).
import {runDetect} from './lib/run-detect.mjs'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CLI, ROOT, requireBuild} from './lib/paths.mjs'
import {matchIncidents, pooled} from './lib/incident-match.mjs'
import {f3, printTable, secs} from './lib/table.mjs'

function parseArgs(argv) {
  const dd = argv.indexOf('--')
  const own = dd >= 0 ? argv.slice(0, dd) : argv
  const opts = {generator: 'multihost', seeds: [1, 2, 3], hours: 24, hosts: 5, slackMs: 5 * 60_000, strictHost: false, json: false, keep: false, extra: dd >= 0 ? argv.slice(dd + 1) : []}
  for (let i = 0; i < own.length; i++) {
    const a = own[i]
    const v = own[i + 1]
    if (a === '--generator') (opts.generator = v), i++
    else if (a === '--seeds') (opts.seeds = v.split(',').map(Number)), i++
    else if (a === '--hours') (opts.hours = Number(v)), i++
    else if (a === '--hosts') (opts.hosts = Number(v)), i++
    else if (a === '--slack') (opts.slackMs = duration(v)), i++
    else if (a === '--log') (opts.log = v), i++
    else if (a === '--truth') (opts.truth = v), i++
    else if (a === '--results') (opts.results = v), i++
    else if (a === '--strict-host') opts.strictHost = true
    else if (a === '--json') opts.json = true
    else if (a === '--keep') opts.keep = true
    else {
      console.error(`unknown argument ${a} (detect flags go after --)`)
      process.exit(2)
    }
  }
  if (!GENERATORS[opts.generator]) {
    console.error(`--generator ${opts.generator}: expected one of ${Object.keys(GENERATORS).join(', ')}`)
    process.exit(2)
  }
  if ((opts.log || opts.results) && !opts.truth) {
    console.error('--log and --results need --truth')
    process.exit(2)
  }
  return opts
}

function duration(s) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s)
  if (!m) throw new Error(`bad duration ${s}`)
  return Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] ?? 'm']
}

function detect(file, extra) {
  const r = runDetect(file, extra)
  if (r.error) throw new Error(`flare detect failed on ${file} (${r.error})`)
  return r
}

/** Generator script and whether it takes --hosts. */
const GENERATORS = {multihost: ['data/generate-multihost.mjs', true], ops: ['data/generate-ops.mjs', false], access: ['data/generate-access.mjs', false]}

function generate(dir, generator, seed, hours, hosts) {
  const [script, takesHosts] = GENERATORS[generator]
  const out = path.join(dir, `${generator}-seed${seed}.log`)
  const r = spawnSync(process.execPath, [path.join(ROOT, script), '--seed', String(seed), '--hours', String(hours), ...(takesHosts ? ['--hosts', String(hosts)] : []), '--out', out], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`generator failed: ${r.stderr}`)
  return {log: out, truth: out.replace(/\.log$/, '.truth.json')}
}

const opts = parseArgs(process.argv.slice(2))
if (!opts.results) requireBuild()
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-incidents-'))
const jobs = opts.results
  ? [{name: path.basename(opts.results), set: 'given', truth: opts.truth, results: opts.results}]
  : opts.log
    ? [{name: path.basename(opts.log), set: 'given', log: opts.log, truth: opts.truth}]
    : opts.seeds.map((seed) => ({name: `seed ${seed}`, set: seed === 1 ? 'dev' : 'check', seed}))

const results = []
try {
  for (const job of jobs) {
    if (job.seed !== undefined) Object.assign(job, generate(tmp, opts.generator, job.seed, opts.hours, opts.hosts))
    const truth = JSON.parse(fs.readFileSync(job.truth, 'utf8'))
    let run
    try {
      run = job.results ? {doc: JSON.parse(fs.readFileSync(job.results, 'utf8')), wall: undefined} : detect(job.log, opts.extra)
    } catch (e) {
      // one failing run (e.g. a session key the log cannot give) should not hide the others
      console.error(`${job.name}: ${e.message}`)
      process.exitCode = 1
      continue
    }
    const {doc, wall} = run
    const year = new Date(truth.start).getUTCFullYear()
    const m = matchIncidents(truth.incidents, doc.incidents ?? [], {slackMs: opts.slackMs, strictHost: opts.strictHost, year})
    results.push({log: job.name, set: job.set, lines: doc.summary?.lines, session_key: doc.summary?.session_key, sessions: doc.summary?.sessions, detect_ms: wall, ...m})
  }
} finally {
  if (!opts.keep) fs.rmSync(tmp, {recursive: true, force: true})
  else console.error(`generated logs kept in ${tmp}`)
}

const total = pooled(results)
const settings = {generator: opts.generator, detect_flags: opts.extra, slack_min: opts.slackMs / 60_000, strict_host: opts.strictHost, hours: opts.hours, hosts: opts.hosts}
if (opts.json) {
  console.log(JSON.stringify({settings, logs: results, total}, null, 2))
} else {
  const missedKinds = (r) => r.missed.map((x) => x.kind + (x.variant ? `/${x.variant}` : '')).join(', ') || '—'
  console.log(`flare detect ${['--json', '--no-track', ...opts.extra].join(' ')} on ${opts.log || opts.results ? 'given files' : `${GENERATORS[opts.generator][0]} logs`} — slack ${settings.slack_min} min${opts.strictHost ? ', same host required' : ''}`)
  printTable('incident-level accuracy', ['log', 'set', 'lines', 'sessions (key)', 'real', 'raised', 'detected', 'false', 'P', 'R', 'F1', 'alerts/real', 'clean', 'detect'], [
    ...results.map((r) => [r.log, r.set, r.lines, `${r.sessions} (${r.session_key})`, r.real, r.raised, r.detected, r.false, f3(r.precision), f3(r.recall), f3(r.f1), r.alertsPerReal.toFixed(2), r.clean, secs(r.detect_ms)]),
    ...(results.length > 1 ? [['all', '', '', '', total.real, total.raised, total.detected, total.false, f3(total.precision), f3(total.recall), f3(total.f1), total.alertsPerReal.toFixed(2), total.clean, '']] : []),
  ], {note: 'goal (issue 14, held-out log, default settings): F1 >= 0.85 and alerts/real <= 2'})
  for (const r of results) {
    printTable(`${r.log} (${r.set}): real incidents — missed: ${missedKinds(r)}`, ['id', 'kind', 'span (UTC)', 'hosts', 'raised as', 'IoU'], r.perReal.map((x) => [x.id, x.kind + (x.variant ? `/${x.variant}` : ''), `${x.start.slice(11, 19)}-${x.end.slice(11, 19)}`, x.hosts.join(','), x.raised.join(' ') || 'MISSED', x.raised.length ? x.iou.toFixed(2) : '']))
    if (r.falseRaised.length > 0) {
      const shown = r.falseRaised.slice(0, 12)
      printTable(`${r.log}: false incidents (${r.falseRaised.length}${shown.length < r.falseRaised.length ? `, first ${shown.length}` : ''})`, ['id', 'span (UTC)', 'sessions', 'severity', 'hosts', 'top template'], shown.map((a) => [a.id, `${a.start.slice(11, 19)}-${a.end.slice(11, 19)}`, a.size, a.severity, a.hosts.join(','), a.top.slice(0, 70)]))
    }
  }
}
