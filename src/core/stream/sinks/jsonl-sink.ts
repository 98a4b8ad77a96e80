import {open, type FileHandle} from 'node:fs/promises'
import {ExitCode, FlareError} from '../../errors.js'
import type {EventSink, EventSinkStats, IncidentEvent} from '../contracts.js'

/**
 * The durable record of incident events: one JSON object per line, appended. Each event is
 * written straight to the file (no buffer in the process), so a crash loses nothing already
 * sent; close() syncs it to disk.
 */
export class JsonlSink implements EventSink {
  readonly name: string
  private readonly counts: EventSinkStats = {delivered: 0, failed: 0, suppressed: 0}
  private chain: Promise<void> = Promise.resolve()
  private closed = false

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly onNote?: (note: string) => void,
  ) {
    this.name = `jsonl:${path}`
  }

  static async open(path: string, onNote?: (note: string) => void): Promise<JsonlSink> {
    try {
      return new JsonlSink(path, await open(path, 'a'), onNote)
    } catch (error) {
      throw new FlareError(`Cannot open the incident log ${path}: ${(error as Error).message}`, {
        exitCode: ExitCode.usage,
        hint: 'Give a writable path after jsonl:.',
        cause: error,
      })
    }
  }

  send(event: IncidentEvent): Promise<void> {
    if (this.closed) {
      this.counts.failed++
      return Promise.resolve()
    }
    const line = `${JSON.stringify(event)}\n`
    // Chained so lines never interleave and keep the order they were sent in.
    this.chain = this.chain.then(async () => {
      try {
        await this.handle.write(line)
        this.counts.delivered++
      } catch (error) {
        this.counts.failed++
        this.onNote?.(`${this.name}: write failed: ${(error as Error).message}`)
      }
    })
    return this.chain
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.chain
    await this.handle.datasync().catch(() => {})
    await this.handle.close().catch(() => {})
  }

  stats(): EventSinkStats {
    return {...this.counts}
  }
}
