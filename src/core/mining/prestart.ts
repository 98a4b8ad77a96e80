/**
 * `flare parse` on a big file starts its worker threads before the CLI framework loads (a few
 * hundred milliseconds on a cold start): they load their code meanwhile, bin/run.js sets their
 * warm-up off with warmStandby() once oclif is imported (earlier, on two cores, the warm-up would
 * slow that import down), and the run's ParsePool takes them over. Only the input and --jobs are
 * peeked at, the way the parse command reads them; when anything is unclear (help, a flag it
 * cannot follow), nothing is started and the pool starts its workers itself as usual.
 */
import {statSync} from 'node:fs'
import {DEFAULT_MAX_LINE} from '../ingest/reader.js'
import {poolSize, prestartWorkers} from './worker-pool.js'

export {warmStandby} from './worker-pool.js'

/** The input path and --jobs of `flare parse` arguments (after `parse`), or null when unsure. */
export function peekParseArgs(argv: readonly string[]): {input: string; jobs: number} | null {
  let input: string | undefined
  let jobs = 0
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') return null
    if (arg === '-h' || arg === '--help') return null
    let name: string
    let value: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      if (eq >= 0) value = arg.slice(eq + 1)
    } else if (arg.startsWith('-') && arg.length >= 2) {
      name = arg[1]
      if (arg.length > 2) value = arg[2] === '=' ? arg.slice(3) : arg.slice(2)
    } else return null
    if (name === 'json') continue
    if (value === undefined) value = argv[++i]
    if (value === undefined) return null
    if (name === 'i' || name === 'input') input = value
    else if (name === 'j' || name === 'jobs') {
      if (!/^\d+$/.test(value)) return null
      jobs = Number(value)
    } else if (!['o', 'output', 'f', 'format', 'state'].includes(name)) return null
  }
  return input === undefined ? null : {input, jobs}
}

/** Starts the workers a `flare parse` run with these arguments will use; see the module comment. */
export function prestartParse(argv: readonly string[]): number {
  const args = peekParseArgs(argv)
  if (args === null || args.input === '-') return 0
  let bytes: number
  try {
    const info = statSync(args.input)
    if (!info.isFile()) return 0
    bytes = info.size
  } catch {
    return 0
  }
  const n = poolSize(args.jobs, bytes)
  if (n > 0) prestartWorkers(n, DEFAULT_MAX_LINE)
  return n
}
