import fs from 'node:fs'
import path from 'node:path'
import {gzipSync} from 'node:zlib'
import {mulberry32} from '../../src/core/detect/random.js'
import {repoRoot} from '../helpers/cli.js'

/**
 * The hostile corpus (issue 13): bad inputs, absurd flags, conflicting label files, mutated model
 * files and faulty local servers, each a run of the real CLI with what it must end in. Built from
 * a seeded RNG: the same seed gives the same files and the same cases.
 */

export type CaseClass = 'input' | 'flags' | 'labels' | 'model' | 'mlflow' | 'llm'

/** Exit codes the README documents. */
export const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 130, 143]

export const KEY = 'sk-ant-api03-HOSTILE-corpus-KEY-0f1e2d3c4b5a'
export const PASSWORD = 'hostile-Pa55word-9x'

export interface HostileCase {
  cls: CaseClass
  name: string
  /** `{out}` in an argument is the case's own folder (where it writes). */
  args: string[]
  env?: Record<string, string>
  stdin?: Buffer
  /** The exit codes the case may end with. */
  expect: number[]
  /** Files (relative to the case folder) that exist before the run; a failing run leaves them as they were. */
  previous?: Record<string, string>
  /** The run must be over within this many ms (its waits set short through flags and env). */
  boundMs: number
  /** A further check of the run; returns what is wrong, or undefined. */
  check?: (run: {code: number; stdout: string; stderr: string; dir: string}) => string | undefined
}

/** What the corpus is built from: a folder, a small log and the results and model made from it. */
export interface CorpusBase {
  dir: string
  /** 1,500 HDFS lines, one of them carrying the configured key and password. */
  log: string
  /** `flare detect -i log -o results` */
  results: string
  /** `flare detect -i log --save-model model` */
  model: string
  mlflow: Record<'hang' | '500' | '429' | 'garbage', string>
  llm: Record<'hang' | '529' | 'echo' | 'garbage', string>
}

const PREVIOUS = 'PREVIOUS GOOD OUTPUT — must survive a failing run\n'

/** The small log every case starts from. */
export function writeBaseLog(dir: string): string {
  const lines = fs.readFileSync(path.join(repoRoot, 'data/hdfs_sample.log'), 'utf8').split('\n').slice(0, 1500)
  lines[700] = `081109 203615 148 ERROR dfs.DataNode$DataXceiver: blk_38865049064139660 auth failed with key ${KEY} password ${PASSWORD}`
  const file = path.join(dir, 'base.log')
  fs.writeFileSync(file, lines.join('\n') + '\n')
  return file
}

export function buildCorpus(base: CorpusBase, seed = 13): HostileCase[] {
  const rand = mulberry32(seed)
  const int = (n: number): number => Math.floor(rand() * n)
  const log = fs.readFileSync(base.log)
  const files = path.join(base.dir, 'inputs')
  fs.mkdirSync(files, {recursive: true})
  const file = (name: string, data: string | Buffer): string => {
    const p = path.join(files, name)
    fs.writeFileSync(p, data)
    return p
  }
  const cases: HostileCase[] = []
  // Bounds are loose (a loaded machine runs a CLI start in seconds); a wait left to its default
  // (5 × 30 s for MLflow, 120 s per incident for an LLM) would still overrun them.
  const add = (c: Omit<HostileCase, 'boundMs'> & {boundMs?: number}): void => void cases.push({boundMs: 60_000, ...c})
  const noTrack = ['--no-track']
  const parseOut = {'out.csv': PREVIOUS}
  const detectOut = {'results.json': PREVIOUS}
  const detectArgs = (input: string, ...more: string[]): string[] => ['detect', '-i', input, '-o', '{out}/results.json', ...noTrack, ...more]
  const parseArgs = (input: string, ...more: string[]): string[] => ['parse', '-i', input, '-o', '{out}/out.csv', ...more]

  // ---- bad inputs, through parse and detect
  const gz = gzipSync(log)
  const corrupt = Buffer.from(gz)
  for (let k = 0; k < 8; k++) corrupt[20 + int(gz.length - 40)] ^= 0xff
  const random = Buffer.alloc(4096)
  for (let i = 0; i < random.length; i++) random[i] = int(256)
  const lines = log.toString('utf8').trimEnd().split('\n')
  const withNuls = lines.map((l, i) => (i % 7 === 3 ? `${l}\0\0${l.slice(0, 10)}` : l)).join('\n')
  const mixed = Buffer.concat(lines.map((l, i) => (i % 5 === 0 ? Buffer.from(l.replace('block', 'bl\u00f6ck') + '\n', 'latin1') : i % 11 === 0 ? Buffer.from(`${l} caf\u00e9 \u65e5\u672c\n`, 'utf16le') : Buffer.from(l + '\n'))))
  const flipped = Buffer.from(log)
  for (let k = 0; k < 40; k++) flipped[int(flipped.length)] = int(256)
  // [name, input, exit codes, also through detect (parse alone shows the reader's answer)]
  const bad: Array<[string, string, number[], boolean?]> = [
    ['empty file', file('empty.log', ''), [3], true],
    ['blank lines only', file('blank.log', '\n  \n\t\n\n'), [3]],
    ['random binary', file('random.bin', random), [3], true],
    ['NUL bytes in lines', file('nuls.log', withNuls), [0, 3]],
    ['truncated gzip', file('truncated.log.gz', gz.subarray(0, Math.floor(gz.length / 2))), [3], true],
    ['corrupt gzip', file('corrupt.log.gz', corrupt), [3]],
    ['missing file', path.join(files, 'no-such.log'), [3]],
    ['a directory', files, [3]],
  ]
  for (const [name, input, expect, detectToo] of bad) {
    add({cls: 'input', name: `parse: ${name}`, args: parseArgs(input), expect, previous: parseOut})
    if (detectToo) add({cls: 'input', name: `detect: ${name}`, args: detectArgs(input), expect, previous: detectOut})
  }
  const crOnly = file('cr-only.log', lines.join('\r'))
  const csvRows = (dir: string): number => fs.readFileSync(path.join(dir, 'out.csv'), 'utf8').trimEnd().split('\n').length - 1
  add({cls: 'input', name: 'parse: old-Mac CR-only line ends', args: parseArgs(crOnly), expect: [0], check: ({dir}) => (csvRows(dir) === lines.length ? undefined : `${csvRows(dir)} CSV rows, not ${lines.length}`)})
  add({cls: 'input', name: 'detect: old-Mac CR-only line ends', args: detectArgs(crOnly), expect: [0]})
  const huge = file('huge-line.log', Buffer.concat([log, Buffer.alloc(3 * 2 ** 20, 'x'), Buffer.from('\n'), log]))
  add({cls: 'input', name: 'parse: a 3 MiB line', args: parseArgs(huge), expect: [0], check: ({stderr}) => (/truncated/.test(stderr) ? undefined : 'no truncation warning')})
  add({cls: 'input', name: 'detect: mixed encodings (latin1, UTF-16)', args: detectArgs(file('mixed.log', mixed)), expect: [0, 3]})
  add({cls: 'input', name: 'detect: 40 random bytes overwritten', args: detectArgs(file('flipped.log', flipped)), expect: [0]})
  add({cls: 'input', name: 'detect: empty stdin', args: detectArgs('-'), stdin: Buffer.alloc(0), expect: [3], previous: detectOut})
  add({cls: 'input', name: 'parse: output is the input', args: ['parse', '-i', file('self.log', log), '-o', path.join(files, 'self.log')], expect: [2], check: () => (fs.readFileSync(path.join(files, 'self.log')).equals(log) ? undefined : 'the input was changed')})
  add({cls: 'input', name: 'summarize: results on stdin', args: ['summarize', '-i', '-', '--provider', 'offline'], stdin: fs.readFileSync(base.results), expect: [0]})
  add({cls: 'input', name: 'summarize: empty stdin', args: ['summarize', '-i', '-', '--provider', 'offline'], stdin: Buffer.alloc(0), expect: [3]})
  add({cls: 'input', name: 'summarize: a log instead of results', args: ['summarize', '-i', base.log, '--provider', 'offline', '-o', '{out}/sums.json'], expect: [3], previous: {'sums.json': PREVIOUS}})

  // ---- absurd flag values: refused (exit 2) before any work
  const flagCases: Array<[string, string[], number[]]> = [
    ['parse --jobs 9999', parseArgs(base.log, '--jobs', '9999'), [2]],
    ['parse --jobs -1', parseArgs(base.log, '--jobs', '-1'), [2]],
    ['detect --window 0', detectArgs(base.log, '--window', '0'), [2]],
    ['detect --window 10m --step 1ms', detectArgs(base.log, '--window', '10m', '--step', '1ms'), [2]],
    ['detect --step without --window', detectArgs(base.log, '--step', '1m'), [2]],
    ['detect --contamination 7', detectArgs(base.log, '--contamination', '7'), [2]],
    ['detect --max-sessions 0', detectArgs(base.log, '--max-sessions', '0'), [2]],
    ['detect --by planet', detectArgs(base.log, '--by', 'planet'), [2]],
    ['detect --features nonsense', detectArgs(base.log, '--features', 'nonsense'), [2]],
    ['detect --window 1e400d', detectArgs(base.log, '--window', `1${'0'.repeat(400)}d`), [2]],
    ['summarize --timeout -1', ['summarize', '-i', base.results, '--timeout', '-1', '--provider', 'offline'], [2]],
    ['summarize --concurrency 0', ['summarize', '-i', base.results, '--concurrency', '0', '--provider', 'offline'], [2]],
    ['FLARE_MLFLOW_TIMEOUT=soon', ['model', 'list'], [2]],
  ]
  for (const [name, args, expect] of flagCases) {
    const env = name.startsWith('FLARE_MLFLOW_TIMEOUT') ? {MLFLOW_TRACKING_URI: base.mlflow['500'], FLARE_MLFLOW_TIMEOUT: 'soon'} : undefined
    add({cls: 'flags', name, args, env, expect, previous: args[0] === 'parse' ? parseOut : args[0] === 'detect' ? detectOut : undefined})
  }
  // Past the cap of sessions: a clear stop, not an out-of-memory.
  add({cls: 'flags', name: 'detect --max-sessions 5', args: detectArgs(base.log, '--max-sessions', '5'), expect: [3], previous: detectOut, check: ({stderr}) => (/--max-sessions/.test(stderr) ? undefined : 'the error does not name --max-sessions')})
  add({cls: 'flags', name: 'detect --session-key window --window 1ms --max-sessions 50', args: detectArgs(base.log, '--session-key', 'window', '--window', '1ms', '--max-sessions', '50'), expect: [3], previous: detectOut})
  add({cls: 'flags', name: 'parse --jobs 64 on 8 MiB, with workers (no Node warning)', args: parseArgs(path.join(base.dir, 'nine-mb.log'), '--jobs', '64'), expect: [0], check: ({stderr}) => (/Warning|MaxListeners/.test(stderr) ? `a Node warning: ${stderr}` : undefined)})
  const nine: Buffer[] = []
  // Just past the size below which parse starts no worker threads.
  for (let size = 0; size <= 8 * 2 ** 20; size += log.length) nine.push(log)
  fs.writeFileSync(path.join(base.dir, 'nine-mb.log'), Buffer.concat(nine))

  // ---- label files
  const blocks = [...new Set(lines.map((l) => /blk_-?\d+/.exec(l)?.[0]).filter((b): b is string => b !== undefined))]
  const labels = (rows: string[]): string => ['BlockId,Label', ...rows].join('\n') + '\n'
  const good = blocks.map((b) => `${b},${int(10) === 0 ? 'Anomaly' : 'Normal'}`)
  const conflict = [...good, `${blocks[int(blocks.length)]},Anomaly`, `${blocks[int(blocks.length)]},Normal`]
  const labelCases: Array<[string, string, number[]]> = [
    ['conflicting duplicate ids', labels(conflict), [3]],
    ['an extra column', labels(good.map((r, i) => (i === 5 ? `${r},surprise` : r))), [3]],
    ['empty file', '', [3]],
    ['binary', random.toString('latin1'), [3]],
    ['consistent duplicates', labels([...good, good[0]!]), [0]],
  ]
  for (const [name, text, expect] of labelCases) add({cls: 'labels', name: `labels: ${name}`, args: detectArgs(base.log, '--labels', file(`labels-${cases.length}.csv`, text)), expect, previous: detectOut})

  // ---- mutated model files
  for (const m of modelMutations(base.model, path.join(base.dir, 'models'), rand, 10)) {
    add({cls: 'model', name: `model: ${m.description}`, args: detectArgs(base.log, '--model', m.dir), expect: m.expect, previous: m.expect.includes(0) ? undefined : detectOut})
  }

  // ---- a faulty MLflow server (short deadline, a password in the tracking URI)
  for (const fault of ['hang', '500', '429', 'garbage'] as const) {
    const env = {MLFLOW_TRACKING_URI: base.mlflow[fault].replace('http://', `http://alice:${PASSWORD}@`), FLARE_MLFLOW_TIMEOUT: '2'}
    const bound = 60_000
    // Results come first: the run still writes them, and says what was not logged.
    add({cls: 'mlflow', name: `mlflow ${fault}: detect --track`, args: ['detect', '-i', base.log, '-o', '{out}/results.json'], env, expect: [0, 4], boundMs: bound, check: ({dir}) => (fs.existsSync(path.join(dir, 'results.json')) ? undefined : 'no results written')})
    add({cls: 'mlflow', name: `mlflow ${fault}: model list`, args: ['model', 'list'], env, expect: [4], boundMs: bound})
    if (fault === 'hang') add({cls: 'mlflow', name: `mlflow ${fault}: detect --model models:/…`, args: detectArgs(base.log, '--model', 'models:/flare-detector/1').filter((a) => a !== '--no-track'), env, expect: [4], boundMs: bound, previous: detectOut})
  }

  // ---- a faulty LLM server (Anthropic Messages API; short per-incident deadline)
  for (const fault of ['hang', '529', 'echo', 'garbage'] as const) {
    const env = {ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: base.llm[fault]}
    const expect = fault === 'echo' ? [0] : [4]
    add({cls: 'llm', name: `llm ${fault}: summarize`, args: ['summarize', '-i', base.results, '-o', '{out}/sums.json', '--provider', 'anthropic', '--timeout', '2', '--incident', 'INC-001'], env, expect})
    if (fault === 'hang') add({cls: 'llm', name: `llm ${fault}: detect --summarize`, args: ['detect', '-i', base.log, '-o', '{out}/results.json', '--no-track', '--summarize', '--llm-provider', 'anthropic', '--llm-timeout', '2', '--max-cost', '0.05'], env, expect: [4]})
  }
  return cases
}

type Json = null | boolean | number | string | Json[] | {[k: string]: Json}

interface ModelMutation {
  dir: string
  description: string
  expect: number[]
}

/** Values a mutation may put in place of a field, with the exit codes each may lead to. */
const REPLACEMENTS: Array<{kind: string; value: (old: Json) => Json; expect: number[]}> = [
  {kind: 'null', value: () => null, expect: [3]},
  {kind: 'a string', value: () => 'x', expect: [3]},
  {kind: 'an object', value: () => ({}), expect: [3]},
  {kind: 'negative', value: (old) => (typeof old === 'number' ? -Math.abs(old) - 1 : -1), expect: [0, 3]},
  {kind: 'huge', value: () => 1e308, expect: [0, 3]},
  {kind: 'zero', value: () => 0, expect: [0, 3]},
]

/**
 * Copies of the saved model with one field changed each: a type (null, string, object), a
 * negative, huge or zero number, an array cut short or grown, a wrong detector name. A number may
 * change into another valid model (exit 0); anything else must be "invalid model" (exit 3).
 */
function modelMutations(model: string, into: string, rand: () => number, count: number): ModelMutation[] {
  const files = ['bundle.json', 'detector.json', 'vocab.json', 'templates.json']
  const parsed = Object.fromEntries(files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(model, f), 'utf8')) as Json]))
  const out: ModelMutation[] = []
  const save = (description: string, file: string, json: Json, expect: number[]): void => {
    const dir = path.join(into, `m${out.length}`)
    fs.mkdirSync(dir, {recursive: true})
    for (const f of files) fs.writeFileSync(path.join(dir, f), f === file ? JSON.stringify(json) : JSON.stringify(parsed[f]))
    out.push({dir, description, expect})
  }
  const named = structuredClone(parsed['bundle.json']) as {[k: string]: Json}
  named.detector = 'no-such-detector'
  save('bundle.json detector = "no-such-detector"', 'bundle.json', named, [3])
  const renamed = structuredClone(parsed['detector.json']) as {[k: string]: Json}
  renamed.name = 'isolation-forest'
  save('detector.json name = another detector', 'detector.json', renamed, [3])
  for (const [key, value] of [['step_ms', 0], ['window_ms', -1], ['step_ms', 1]] as const) {
    const b = structuredClone(parsed['bundle.json']) as {[k: string]: Json}
    b[key] = value
    save(`bundle.json ${key} = ${value}`, 'bundle.json', b, [0, 3])
  }
  while (out.length < count) {
    const file = files[Math.floor(rand() * files.length)]!
    const json = structuredClone(parsed[file]!)
    const paths = leafPaths(json, rand)
    const at = paths[Math.floor(rand() * paths.length)]!
    const {parent, key} = parentOf(json, at)
    const old = (parent as Record<string, Json>)[key as string]!
    if (Array.isArray(old) && rand() < 0.6) {
      const grow = rand() < 0.5
      ;(parent as Record<string, Json>)[key as string] = grow ? [...old, ...old.slice(0, 2), 7] : old.slice(0, Math.floor(old.length / 2))
      save(`${file} ${at.join('.')}: array ${grow ? 'grown' : 'cut short'}`, file, json, [0, 3])
      continue
    }
    const r = REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)]!
    ;(parent as Record<string, Json>)[key as string] = r.value(old)
    // A string or number field made another number (or a string another string) may be valid.
    const expect = typeof old === 'number' || r.kind === 'a string' ? [0, 3] : r.expect
    save(`${file} ${at.join('.')} = ${r.kind}`, file, json, expect)
  }
  return out
}

/** Paths to every value (one seeded element per array). */
function leafPaths(root: Json, rand: () => number): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = []
  const walk = (node: Json, p: Array<string | number>): void => {
    if (p.length > 0) out.push(p)
    if (Array.isArray(node)) {
      const i = Math.floor(rand() * node.length)
      if (node.length > 0) walk(node[i]!, [...p, i])
    } else if (node !== null && typeof node === 'object') for (const k of Object.keys(node)) walk(node[k]!, [...p, k])
  }
  walk(root, [])
  return out
}

function parentOf(root: Json, p: Array<string | number>): {parent: Json; key: string | number} {
  let node = root
  for (const k of p.slice(0, -1)) node = (node as Record<string, Json>)[k as string]!
  return {parent: node, key: p[p.length - 1]!}
}
