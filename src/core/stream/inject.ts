import {mulberry32, DEFAULT_SEED} from '../detect/random.js'
import {ExitCode, FlareError} from '../errors.js'
import {getFormat, type LogFormat} from '../ingest/index.js'

/** What can be injected into a replayed stream, each into sessions chosen at its rate. */
export const INJECTION_KINDS = ['error', 'burst', 'drop', 'duplicate', 'reorder', 'silent', 'latency'] as const
export type InjectionKind = (typeof INJECTION_KINDS)[number]

export interface InjectionSpec {
  /** Per kind: the share of sessions (by their first line) that get it. */
  rates: Partial<Record<InjectionKind, number>>
  seed: number
}

/** `error:0.01,burst:0.005,drop:0.01,seed=7` (a kind without a rate: 0.01). */
export function parseInjection(text: string): InjectionSpec {
  const spec: InjectionSpec = {rates: {}, seed: DEFAULT_SEED}
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const seed = /^seed=(\d+)$/.exec(part)
    if (seed) {
      spec.seed = Number(seed[1])
      continue
    }
    const m = /^([a-z]+)(?::(\d*\.?\d+))?$/.exec(part)
    const kind = m?.[1] as InjectionKind
    const rate = m?.[2] === undefined ? 0.01 : Number(m[2])
    if (!m || !INJECTION_KINDS.includes(kind) || !(rate > 0 && rate <= 1)) {
      throw new FlareError(`invalid --inject part "${part}"`, {exitCode: ExitCode.usage, hint: `use kind[:rate] with kinds ${INJECTION_KINDS.join(', ')} and rates in (0, 1], e.g. --inject error:0.01,burst:0.005,seed=7`})
    }
    spec.rates[kind] = rate
  }
  if (Object.keys(spec.rates).length === 0) throw new FlareError('--inject names no kind', {exitCode: ExitCode.usage, hint: `e.g. --inject error:0.01,drop:0.01`})
  return spec
}

export interface InjectedSession {
  session: string
  kind: InjectionKind
  /** Line number (1-based, in the original file) where it was injected. */
  line: number
}

const BURST = 20
/** A latency shift multiplies the numbers of a session's later lines by this. */
const LATENCY_FACTOR = 10
/** A number standing alone (not part of an id, an address or a word). */
const BARE_NUMBER = /(?<![\w.:/-])\d+(?![\w.:/-])/g

/** The content with each bare number multiplied by LATENCY_FACTOR (the line as it is when it has none). */
function shifted(text: string, content: string): string {
  const slow = content.replace(BARE_NUMBER, (n) => String(Number(n) * LATENCY_FACTOR))
  return slow === content ? text : text.replace(content, slow)
}

/**
 * Injects anomalies into the lines of a recorded log with session ids, as they are replayed:
 * an error line, a burst of one of the session's lines, a dropped step, a duplicated or reordered
 * pair, a silent host (the session's lines stop), a latency shift (its later lines' bare numbers —
 * durations, sizes — ×10). A session is chosen (seeded) on its first line; the change lands on a later line of it.
 * The ground truth is the list of sessions changed.
 */
export class Injector {
  readonly injected: InjectedSession[] = []
  private readonly rand: () => number
  private readonly chosen = new Map<string, {kind: InjectionKind; lines: number}>()
  private readonly seen = new Set<string>()
  /** Reordered lines waiting for their session's next line, which goes out before them. */
  private readonly held = new Map<string, string>()
  /** Sessions whose later lines are dropped (silent) or rewritten (latency). */
  private readonly silenced = new Set<string>()
  private readonly slowed = new Set<string>()
  private lineNo = 0

  constructor(private readonly spec: InjectionSpec, private format: LogFormat | string) {
    this.rand = mulberry32(spec.seed)
  }

  /** The lines to replay in place of `text` (none, itself, or more). */
  apply(text: string, out: string[]): void {
    this.lineNo++
    const format = typeof this.format === 'string' ? (this.format = getFormat(this.format)) : this.format
    const record = format.parse(text, this.lineNo)
    const key = record?.sessionKeys.length === 1 ? record.sessionKeys[0] : undefined
    if (!record || key === undefined) {
      out.push(text)
      return
    }
    if (!this.seen.has(key)) {
      this.seen.add(key)
      for (const kind of INJECTION_KINDS) {
        const rate = this.spec.rates[kind]
        if (rate !== undefined && this.rand() < rate) {
          this.chosen.set(key, {kind, lines: 0})
          break
        }
      }
      out.push(text)
      return
    }
    const waiting = this.held.get(key)
    if (waiting !== undefined) {
      out.push(text, waiting)
      this.held.delete(key)
      return
    }
    if (this.silenced.has(key)) return
    if (this.slowed.has(key)) {
      out.push(shifted(text, record.content))
      return
    }
    const plan = this.chosen.get(key)
    if (!plan) {
      out.push(text)
      return
    }
    this.chosen.delete(key)
    this.injected.push({session: key, kind: plan.kind, line: this.lineNo})
    switch (plan.kind) {
      case 'error': {
        const content = record.content
        const error = `Injected failure: connection reset by peer while handling ${key}`
        const line = text.replace(content, error)
        out.push(text, record.level ? line.replace(record.level, 'ERROR') : line)
        return
      }
      case 'burst':
        for (let i = 0; i < BURST; i++) out.push(text)
        return
      case 'drop':
        return
      case 'duplicate':
        out.push(text, text)
        return
      case 'reorder':
        this.held.set(key, text)
        return
      case 'silent':
        this.silenced.add(key)
        return
      case 'latency':
        this.slowed.add(key)
        out.push(shifted(text, record.content))
        return
    }
  }

  /** Held lines (reorders whose session had no further line) go out at the end. */
  finish(out: string[]): void {
    for (const text of this.held.values()) out.push(text)
    this.held.clear()
  }

  /** The ground truth as a label CSV that `--labels` and `flare detect --labels` read. */
  truthCsv(): string {
    return ['SessionId,Label,Injection,Line', ...this.injected.map((i) => `${i.session},Anomaly,${i.kind},${i.line}`)].join('\n') + '\n'
  }
}
