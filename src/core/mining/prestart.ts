/**
 * `flare parse` (or `flare detect`: the same workers and arguments; see bin/run.js) on a big file starts its worker threads before the CLI framework loads (a few
 * hundred milliseconds on a cold start) when the input looks like an HDFS log, the only kind
 * their byte fast path takes (its first lines are sniffed): they load their code meanwhile, bin/run.js sets their
 * warm-up off with warmStandby() once oclif is imported (earlier, on two cores, the warm-up would
 * slow that import down), and the run's ParsePool takes them over. Only the input and --jobs are
 * peeked at, with the command's flags as oclif's manifest lists them; when anything is unclear
 * (help, a flag the command does not have, no manifest), nothing is started and the pool starts
 * its workers itself as usual.
 */
import {closeSync, openSync, readSync, statSync} from 'node:fs'
import {hdfsFormat} from '../ingest/formats/hdfs.js'
import {DEFAULT_MAX_LINE} from '../ingest/reader.js'
import {poolSize, prestartWorkers} from './worker-pool.js'

export {warmStandby} from './worker-pool.js'

/** A flag as oclif's manifest describes it (oclif.manifest.json, written by `npm run build`). */
export interface FlagSpec {
  char?: string
  type: 'boolean' | 'option'
  allowNo?: boolean
}

/** The --jobs flag's maximum (src/commands/parse.ts); the prestart test checks they agree. */
export const MAX_JOBS = 64

/**
 * The input path, --jobs and --format of `flare parse` arguments (after `parse`), or null when
 * unsure. `flags` are the command's own flags (from the manifest), so every flag it has is followed.
 */
export function peekParseArgs(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>): {input: string; jobs: number; format: string} | null {
  const byChar = new Map<string, string>()
  for (const [name, spec] of Object.entries(flags)) if (spec.char) byChar.set(spec.char, name)
  let input: string | undefined
  let jobs = 0
  let format = 'auto'
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') return null
    if (arg === '-h' || arg === '--help') return null
    let name: string | undefined
    let value: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      if (eq >= 0) value = arg.slice(eq + 1)
    } else if (arg.startsWith('-') && arg.length >= 2) {
      name = byChar.get(arg[1])
      if (arg.length > 2) value = arg[2] === '=' ? arg.slice(3) : arg.slice(2)
    } else return null
    if (name === undefined) return null
    let spec = flags[name]
    if (spec === undefined && name.startsWith('no-') && flags[name.slice(3)]?.allowNo) spec = flags[name.slice(3)]
    if (spec === undefined) return null
    if (spec.type === 'boolean') {
      if (value !== undefined) return null
      continue
    }
    if (value === undefined) value = argv[++i]
    if (value === undefined) return null
    if (name === 'input') input = value
    else if (name === 'format') format = value
    else if (name === 'jobs') {
      // Out of the flag's range: oclif refuses it, and nothing may start before it does.
      if (!/^\d+$/.test(value) || Number(value) > MAX_JOBS) return null
      jobs = Number(value)
    }
  }
  return input === undefined ? null : {input, jobs, format}
}

/** Bytes sniffed: a few HDFS lines (about 150 bytes each), read in one go. */
const SNIFF_BYTES = 4096

/**
 * Whether the file may be an HDFS log: its first complete lines (up to SNIFF_BYTES) are all HDFS
 * lines, or it is gzipped (not sniffed). Format detection decides for real later; a wrong guess
 * costs only the workers' start (a wrong yes: the run stops them) or their head start (a wrong no).
 */
export function looksLikeHdfs(path: string): boolean {
  const head = Buffer.alloc(SNIFF_BYTES)
  let n: number
  try {
    const fd = openSync(path, 'r')
    try {
      n = readSync(fd, head, 0, SNIFF_BYTES, 0)
    } finally {
      closeSync(fd)
    }
  } catch {
    return false
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true
  const lines = head.toString('utf8', 0, n).split('\n')
  // The last piece may be cut short, unless the read reached the end of the file.
  if (n === SNIFF_BYTES) lines.pop()
  let seen = 0
  for (const line of lines) {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    if (text.trim() === '') continue
    if (!hdfsFormat.matches(text)) return false
    seen++
  }
  return seen > 0
}

/**
 * Starts the workers a `flare parse` (or `flare detect`) run with these arguments will use; see the
 * module comment. `events`: a `flare detect` run (its workers warm up the line-event path).
 */
export function prestartParse(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>, events = false): number {
  const args = peekParseArgs(argv, flags)
  if (args === null || args.input === '-' || (args.format !== 'auto' && args.format !== 'hdfs')) return 0
  let bytes: number
  try {
    const info = statSync(args.input)
    if (!info.isFile()) return 0
    bytes = info.size
  } catch {
    return 0
  }
  const n = poolSize(args.jobs, bytes)
  if (n === 0 || (args.format === 'auto' && !looksLikeHdfs(args.input))) return 0
  prestartWorkers(n, DEFAULT_MAX_LINE, events)
  return n
}
