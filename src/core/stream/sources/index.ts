/**
 * MINIMAL placeholder (stdin and a plain, non-following file read): the full sources (tail -F
 * following, syslog, OTLP) replace this file at merge; the signature below is the contract.
 */
import {createReadStream} from 'node:fs'
import type {Readable} from 'node:stream'
import {ExitCode, FlareError} from '../../errors.js'
import type {LineSink, LineSource, SourceStats} from '../contracts.js'

export interface SourceOptions {
  onNote?: (note: string) => void
  maxLineBytes?: number
  fromStart?: boolean
}

/** specs: '-' (stdin), a path or glob or 'file:PATTERN' (followed), 'syslog+udp://H:P', 'syslog+tcp://H:P', 'otlp+http://H:P'. Throws FlareError (exit 2) for a bad spec. */
export function openSources(specs: string[], options: SourceOptions = {}): LineSource[] {
  return specs.map((spec) => {
    if (spec === '-') return new ReadableSource('stdin', () => process.stdin, options)
    if (/^[a-z+]+:\/\//i.test(spec)) throw new FlareError(`unsupported source "${spec}"`, {exitCode: ExitCode.usage, hint: 'use - (stdin) or a file path'})
    const path = spec.startsWith('file:') ? spec.slice(5) : spec
    return new ReadableSource(`file:${path}`, () => createReadStream(path), options)
  })
}

class ReadableSource implements LineSource {
  private readonly counters: SourceStats = {lines: 0, rejected: 0, dropped: 0, notes: []}
  private stream: Readable | undefined
  private stopped = false
  /** Resolves when the input ended (not part of the contract; the runner uses it when present). */
  finished: Promise<void> = Promise.resolve()

  constructor(readonly name: string, private readonly open: () => Readable, private readonly options: SourceOptions) {}

  async start(sink: LineSink): Promise<void> {
    const stream = (this.stream = this.open())
    const max = this.options.maxLineBytes ?? 1024 * 1024
    const source = this.name === 'stdin' ? 'stdin' : this.name.slice(5)
    this.finished = (async () => {
      let rest = ''
      /** False when the queue was full (the line is counted as dropped; the caller then waits for room). */
      const deliver = (text: string): boolean => {
        if (text.endsWith('\r')) text = text.slice(0, -1)
        const line = text.length > max ? text.slice(0, max) : text
        if (sink.push({text: line, source, arrivedAt: Date.now()})) {
          this.counters.lines++
          return true
        }
        this.counters.dropped++
        return false
      }
      try {
        stream.setEncoding('utf8')
        for await (const chunk of stream as AsyncIterable<string>) {
          if (this.stopped) break
          const parts = (rest + chunk).split('\n')
          rest = parts.pop()!
          for (const text of parts) if (!deliver(text)) await sink.room()
          // A source that can wait reads on only when the engine has room.
          await sink.room()
        }
        if (rest.length > 0 && !this.stopped) deliver(rest)
      } catch (error) {
        if (this.stopped) return
        this.counters.notes.push(`${this.name}: ${(error as Error).message}`)
        this.options.onNote?.(`${this.name}: ${(error as Error).message}`)
      }
    })()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stream?.destroy()
  }

  stats(): SourceStats {
    return {...this.counters, notes: [...this.counters.notes]}
  }
}
