/**
 * MINIMAL placeholder (a JSON-lines file only): the full sinks (webhooks, Slack) replace this
 * file at merge; the signature below is the contract.
 */
import {open, type FileHandle} from 'node:fs/promises'
import {ExitCode, FlareError} from '../../errors.js'
import type {EventSink, EventSinkStats, IncidentEvent} from '../contracts.js'

export interface SinkOptions {
  onNote?: (note: string) => void
}

/** specs: 'jsonl:PATH', 'webhook:URL', 'slack:URL'. */
export async function openSinks(specs: string[], options: SinkOptions = {}): Promise<EventSink[]> {
  const sinks: EventSink[] = []
  for (const spec of specs) {
    if (!spec.startsWith('jsonl:')) throw new FlareError(`unsupported sink "${spec}"`, {exitCode: ExitCode.usage, hint: 'use jsonl:PATH'})
    const path = spec.slice(6)
    sinks.push(new JsonLinesSink(path, await open(path, 'a'), options))
  }
  return sinks
}

class JsonLinesSink implements EventSink {
  readonly name: string
  private readonly counters: EventSinkStats = {delivered: 0, failed: 0, suppressed: 0}

  constructor(private readonly path: string, private readonly file: FileHandle, private readonly options: SinkOptions) {
    this.name = `jsonl:${path}`
  }

  async send(event: IncidentEvent): Promise<void> {
    try {
      await this.file.appendFile(JSON.stringify(event) + '\n')
      this.counters.delivered++
    } catch (error) {
      this.counters.failed++
      this.options.onNote?.(`${this.name}: ${(error as Error).message}`)
    }
  }

  async close(): Promise<void> {
    await this.file.close().catch(() => {})
  }

  stats(): EventSinkStats {
    return {...this.counters}
  }
}
