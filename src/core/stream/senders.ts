import {createSocket, type Socket as UdpSocket} from 'node:dgram'
import {once} from 'node:events'
import {createWriteStream, type WriteStream} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {Agent, request} from 'undici'
import {ExitCode, FlareError} from '../errors.js'
import {maskUrl} from '../secrets.js'
import {KafkaSender} from './kafka/kafka-sender.js'
import {isKafkaSpec, parseKafkaSpec} from './kafka/spec.js'

/** Where `flare replay --to` writes lines, so a running `flare collect` reads them as live input. */
export interface LineSender {
  send(line: string): Promise<void>
  close(): Promise<void>
}

export const SENDER_SPEC_HINT = 'Targets: udp://HOST:PORT or tcp://HOST:PORT (syslog), file:PATH (append), otlp+http://HOST:PORT (OTLP/HTTP JSON logs), kafka://HOST:PORT/TOPIC (one record a line, keyed by session).'

/**
 * A replayed line as an RFC 5424 message with every header field nil: the line keeps its own
 * timestamp, host and program, so collect sees the same records as when reading the file.
 */
export function syslogFrame(line: string): string {
  return `<14>1 - - - - - - ${line}`
}

/** Bytes gathered before a TCP write. */
const WRITE_BLOCK = 64 * 1024

/** The largest UDP payload; longer lines are cut there. */
const MAX_DATAGRAM = 65_000

/** The file a `--to file:PATH` target appends to (checked against the inputs before the run), else undefined. */
export function fileTargetPath(spec: string): string | undefined {
  const trimmed = spec.trim()
  if (!trimmed.startsWith('file:')) return undefined
  const path = trimmed.slice(trimmed.startsWith('file://') ? 7 : 5)
  return path === '' ? undefined : path
}

/** specs: 'udp://H:P', 'tcp://H:P' (syslog framing, octet counting), 'file:PATH' (append), 'otlp+http://H:P' (OTLP/HTTP JSON logs), 'kafka://H:P/TOPIC' */
export async function openSender(spec: string, options: {format?: string} = {}): Promise<LineSender> {
  const trimmed = spec.trim()
  if (isKafkaSpec(trimmed)) {
    const kafka = parseKafkaSpec(trimmed, '--to')
    if (kafka.group !== undefined) throw badSpec(spec, 'a kafka target takes no group')
    return KafkaSender.open(kafka, options.format)
  }
  if (trimmed.startsWith('file:')) {
    const path = fileTargetPath(trimmed)
    if (path === undefined) throw badSpec(spec, 'file: needs a path')
    return FileSender.open(path)
  }
  const target = /^(syslog\+udp|syslog\+tcp|udp|tcp|otlp\+http):\/\/(\[[0-9a-f:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/i.exec(trimmed)
  if (target === null) throw badSpec(spec, 'expected udp://HOST:PORT, tcp://HOST:PORT, file:PATH or otlp+http://HOST:PORT')
  const host = target[2].replace(/^\[|\]$/g, '')
  const port = Number(target[3])
  if (port < 1 || port > 65_535) throw badSpec(spec, `port ${port} is out of range`)
  const scheme = target[1].toLowerCase().replace('syslog+', '')
  if (scheme === 'udp') return UdpSender.open(host, port)
  if (scheme === 'tcp') return TcpSender.open(host, port)
  return new OtlpSender(`http://${target[2]}:${port}/v1/logs`)
}

class UdpSender implements LineSender {
  private constructor(private readonly socket: UdpSocket) {}

  static async open(host: string, port: number): Promise<UdpSender> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.connect(port, host, () => resolve())
      })
    } catch (error) {
      socket.close()
      throw unreachable(`udp://${host}:${port}`, error)
    }
    // Nobody listening shows up as ICMP errors on later sends; UDP promises no delivery anyway.
    socket.on('error', () => {})
    return new UdpSender(socket)
  }

  send(line: string): Promise<void> {
    let bytes = Buffer.from(syslogFrame(line))
    if (bytes.length > MAX_DATAGRAM) bytes = bytes.subarray(0, MAX_DATAGRAM)
    return new Promise((resolve) => this.socket.send(bytes, () => resolve()))
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }
}

/**
 * RFC 6587 octet counting: `LEN SP MSG`, so lines may hold anything but the framing never breaks.
 * Frames are gathered and written in blocks; a full socket buffer makes send() wait (back-pressure).
 */
class TcpSender implements LineSender {
  private failure?: Error
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false

  private constructor(
    private readonly socket: Socket,
    private readonly label: string,
  ) {
    socket.on('error', (error) => (this.failure ??= error))
    socket.on('close', () => (this.failure ??= new Error('connection closed by the receiver')))
  }

  static async open(host: string, port: number): Promise<TcpSender> {
    const label = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`
    const socket = connect(port, host)
    try {
      await once(socket, 'connect')
    } catch (error) {
      socket.destroy()
      throw unreachable(label, error)
    }
    // Blocks are already large; Nagle would only hold back each block's tail for an ACK.
    socket.setNoDelay(true)
    return new TcpSender(socket, label)
  }

  async send(line: string): Promise<void> {
    if (this.failure !== undefined) throw lost(this.label, this.failure)
    const message = syslogFrame(line)
    const frame = `${Buffer.byteLength(message)} ${message}`
    this.pending.push(frame)
    this.pendingBytes += frame.length
    if (this.pendingBytes >= WRITE_BLOCK) {
      if (!this.writePending()) await this.drained()
    } else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.writePending())
    }
  }

  async close(): Promise<void> {
    this.writePending()
    if (this.socket.destroyed) return
    const closed = once(this.socket, 'close')
    this.socket.end()
    const timer = setTimeout(() => this.socket.destroy(), 5000)
    await closed
    clearTimeout(timer)
  }

  /** Writes what is gathered; false when the socket's buffer is full. */
  private writePending(): boolean {
    this.scheduled = false
    if (this.pending.length === 0 || this.socket.destroyed) return true
    const block = this.pending.join('')
    this.pending = []
    this.pendingBytes = 0
    return this.socket.write(block)
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.on('drain', done)
      this.socket.on('close', done)
    })
  }
}

class FileSender implements LineSender {
  private failure?: Error

  private constructor(
    private readonly stream: WriteStream,
    private readonly path: string,
  ) {
    stream.on('error', (error) => (this.failure ??= error))
  }

  static async open(path: string): Promise<FileSender> {
    try {
      // A missing folder is refused (checkOutputs): a typo must not create folders.
      const stream = createWriteStream(path, {flags: 'a'})
      await once(stream, 'open')
      return new FileSender(stream, path)
    } catch (error) {
      throw new FlareError(`Cannot append to ${path}: ${(error as Error).message}`, {exitCode: ExitCode.usage, hint: 'Give a writable path after file:.', cause: error})
    }
  }

  async send(line: string): Promise<void> {
    if (this.failure !== undefined) throw lost(`file:${this.path}`, this.failure)
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain')
  }

  async close(): Promise<void> {
    if (this.stream.closed) return
    await new Promise<void>((resolve) => this.stream.end(() => resolve()))
    if (this.failure !== undefined) throw lost(`file:${this.path}`, this.failure)
  }
}

/** Lines batched into OTLP/HTTP JSON export requests: up to BATCH lines or FLUSH_MS, one request in flight. */
class OtlpSender implements LineSender {
  static readonly BATCH = 500
  static readonly FLUSH_MS = 200
  private pending: string[] = []
  private flushing: Promise<void> = Promise.resolve()
  private timer?: NodeJS.Timeout
  private failure?: Error
  private readonly agent = new Agent({connect: {timeout: 5000}})

  constructor(private readonly url: string) {}

  async send(line: string): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    this.pending.push(line)
    if (this.pending.length >= OtlpSender.BATCH) {
      await this.flush()
      if (this.failure !== undefined) throw this.failure
    } else {
      this.timer ??= setTimeout(() => void this.flush(), OtlpSender.FLUSH_MS)
    }
  }

  async close(): Promise<void> {
    await this.flush()
    await this.agent.close().catch(() => {})
    if (this.failure !== undefined) throw this.failure
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    this.pending = []
    if (batch.length > 0) {
      this.flushing = this.flushing.then(() => this.post(batch)).catch((error: Error) => {
        this.failure ??= error
      })
    }
    return this.flushing
  }

  private async post(lines: string[]): Promise<void> {
    // No timestamps: the lines carry their own, as with syslogFrame.
    const body = JSON.stringify({
      resourceLogs: [{resource: {attributes: []}, scopeLogs: [{scope: {name: 'flare-replay'}, logRecords: lines.map((line) => ({body: {stringValue: line}}))}]}],
    })
    let why = ''
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        const res = await request(this.url, {method: 'POST', body, headers: {'content-type': 'application/json'}, dispatcher: this.agent, signal: AbortSignal.timeout(10_000)})
        await res.body.dump().catch(() => {})
        if (res.statusCode === 200) return
        why = `HTTP ${res.statusCode}`
        if (res.statusCode !== 429 && res.statusCode < 500) break
      } catch (error) {
        why = (error as Error).message
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)))
    }
    throw new FlareError(`OTLP receiver ${this.url} refused ${lines.length} lines: ${why}`, {exitCode: ExitCode.dependency, hint: 'Is `flare collect` (or a collector) listening there with an otlp+http source?'})
  }
}

function badSpec(spec: string, why: string): FlareError {
  return new FlareError(`Bad replay target "${maskUrl(spec)}": ${why}.`, {exitCode: ExitCode.usage, hint: SENDER_SPEC_HINT})
}

function unreachable(target: string, error: unknown): FlareError {
  return new FlareError(`Cannot reach ${target}: ${(error as Error).message}`, {exitCode: ExitCode.dependency, hint: 'Start `flare collect` with a matching source first.', cause: error})
}

function lost(target: string, error: Error): FlareError {
  return new FlareError(`Lost ${target}: ${error.message}`, {exitCode: ExitCode.dependency, hint: 'The receiver went away mid-replay.', cause: error})
}
