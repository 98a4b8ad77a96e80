import type {Readable} from 'node:stream'
import type {LineSink, LineSource} from '../contracts.js'
import {LiveSplitter} from './live-splitter.js'
import {StatsKeeper, type LiveSourceStats} from './source-stats.js'

/**
 * Lines from a byte stream (stdin by default). It waits for room in the sink before reading on,
 * so a slow engine slows the writer down instead of losing lines.
 */
export class StreamSource implements LineSource {
  private readonly stats_: StatsKeeper
  private readonly splitter: LiveSplitter
  private loop?: Promise<void>
  private stopped = false
  private finish?: () => void

  constructor(
    private readonly input: Readable = process.stdin,
    readonly name = 'stdin',
    options: {onNote?: (note: string) => void; maxLineBytes?: number} = {},
  ) {
    this.stats_ = new StatsKeeper(options.onNote)
    const max = options.maxLineBytes ?? 1024 * 1024
    this.splitter = new LiveSplitter(max, () => {
      this.stats_.truncated++
      this.stats_.note(`${name}: a line longer than ${max} bytes was cut`, 'cut')
    })
  }

  async start(sink: LineSink): Promise<void> {
    const emit = (text: string) => {
      if (sink.push({text, source: this.name, arrivedAt: Date.now()}, true)) this.stats_.lines++
      else this.stats_.dropped++
    }
    this.loop = new Promise((resolve) => {
      const finish = () => {
        this.input.off('data', onData)
        this.input.off('end', onEnd)
        this.input.off('error', onError)
        this.finish = undefined
        resolve()
      }
      const onData = (chunk: Buffer | string) => {
        this.splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, emit)
        this.input.pause()
        void sink.room().then(() => {
          if (!this.stopped) this.input.resume()
        })
      }
      const onEnd = () => {
        this.splitter.flush(emit)
        finish()
      }
      const onError = (error: Error) => {
        this.stats_.note(`${this.name}: ${error.message}`)
        finish()
      }
      this.finish = finish
      this.input.on('data', onData)
      this.input.once('end', onEnd)
      this.input.once('error', onError)
      this.input.resume()
    })
  }

  /** Resolves when the input ended and every line was delivered. */
  ended(): Promise<void> {
    return this.loop ?? Promise.resolve()
  }

  async stop(): Promise<void> {
    this.stopped = true
    // stdin is paused, not destroyed, so the process can still exit normally.
    this.input.pause()
    this.finish?.()
    await this.loop
  }

  stats(): LiveSourceStats {
    return this.stats_.snapshot()
  }
}
