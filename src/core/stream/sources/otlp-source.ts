import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {createGunzip} from 'node:zlib'
import type {LineSink, LineSource} from '../contracts.js'
import {listenError} from './listen-error.js'
import {utf8Boundary} from './live-splitter.js'
import {looksLikeLogsRequest, mapLogsRequest, type OtlpRecordLine} from './otlp-map.js'
import {ExportLogsServiceRequest, ExportLogsServiceResponse, RpcStatus, TO_OBJECT} from './otlp-proto.js'
import {StatsKeeper, type LiveSourceStats} from './source-stats.js'
import {formatHost} from './syslog-source.js'

export interface OtlpSourceOptions {
  onNote?: (note: string) => void
  /** Largest request body accepted, after gzip decompression (bytes); bigger ones get 413. */
  maxBodyBytes?: number
  maxLineBytes?: number
}

type Encoding = 'json' | 'protobuf'

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Records pushed between two waits for room in the sink. */
const BATCH = 256

/**
 * An OTLP/HTTP logs receiver: `POST /v1/logs` with an ExportLogsServiceRequest as JSON or
 * protobuf (optionally gzip), answered as the OTLP/HTTP spec says: 200 with an
 * ExportLogsServiceResponse (partial_success counting refused records), 400 for a body that is
 * not OTLP, 413 past the body limit, 415 for another content type or encoding.
 */
export class OtlpSource implements LineSource {
  private readonly stats_: StatsKeeper
  private readonly maxBodyBytes: number
  private readonly maxLineBytes: number
  private server?: Server
  private bound?: {host: string; port: number}
  private origin = 'otlp'

  constructor(
    private readonly host: string,
    private readonly port: number,
    options: OtlpSourceOptions = {},
  ) {
    this.stats_ = new StatsKeeper(options.onNote)
    this.maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024
  }

  get name(): string {
    const at = this.bound ?? {host: this.host, port: this.port}
    return `otlp http ${formatHost(at.host)}:${at.port}`
  }

  address(): {host: string; port: number} {
    if (this.bound === undefined) throw new Error('OTLP source not started')
    return this.bound
  }

  async start(sink: LineSink): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(sink, req, res).catch((error: Error) => {
        this.stats_.note(`${this.name}: ${error.message}`, 'handler-error')
        if (!res.headersSent) res.writeHead(500).end()
      })
    })
    // Slow or stalled clients can't hold a connection forever.
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000
    server.keepAliveTimeout = 30_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError(this.name, error)))
      server.listen(this.port, this.host, () => resolve())
    })
    server.on('error', (error) => this.stats_.note(`${this.name}: ${error.message}`, 'socket-error'))
    const address = server.address() as AddressInfo
    this.bound = {host: address.address, port: address.port}
    this.origin = `otlp:${formatHost(address.address)}:${address.port}`
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }

  stats(): LiveSourceStats {
    return this.stats_.snapshot()
  }

  private async handle(sink: LineSink, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/v1/logs') return plainReply(res, 404, 'only POST /v1/logs is served here')
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return plainReply(res, 405, 'use POST')
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
    const encoding: Encoding | undefined = type === 'application/json' ? 'json' : type === 'application/x-protobuf' ? 'protobuf' : undefined
    try {
      if (encoding === undefined) throw new HttpError(415, `content type ${type || '(none)'} is not application/json or application/x-protobuf`)
      const body = await this.readBody(req)
      const request = decodeRequest(body, encoding)
      let pushed = 0
      let dropped = 0
      // Mapped into a list first, so the pushes can wait for room between batches.
      const lines: OtlpRecordLine[] = []
      const result = mapLogsRequest(request, (line) => lines.push(line))
      for (const line of lines) {
        if (pushed % BATCH === 0) await sink.room()
        pushed++
        let text = line.text
        if (Buffer.byteLength(text) > this.maxLineBytes) {
          const bytes = Buffer.from(text)
          text = bytes.toString('utf8', 0, utf8Boundary(bytes, this.maxLineBytes))
          this.stats_.truncated++
        }
        if (sink.push({...line, text, source: this.origin, arrivedAt: Date.now()})) this.stats_.lines++
        else dropped++
      }
      this.stats_.dropped += dropped
      this.stats_.rejected += result.rejected
      if (result.rejected > 0) this.stats_.note(`${this.name}: ${result.rejected} log record(s) refused: ${result.reason}`, 'record-rejected')
      const refused = result.rejected + dropped
      const message = dropped > 0 ? `${dropped} line(s) dropped: Flare's queue is full` : result.reason ?? ''
      reply(res, 200, encoding, ExportLogsServiceResponse, refused === 0 ? {} : {partialSuccess: {rejectedLogRecords: String(refused), errorMessage: message}})
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      this.stats_.rejected++
      this.stats_.note(`${this.name}: request refused (${error.status}): ${error.message}`, `http-${error.status}`)
      if (error.status === 413 || error.status === 415) res.setHeader('Connection', 'close')
      reply(res, error.status, encoding ?? 'json', RpcStatus, {code: error.status === 400 ? 3 : error.status === 413 ? 8 : 3, message: error.message})
      req.resume()
    }
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (declared > this.maxBodyBytes) throw new HttpError(413, `body of ${declared} bytes exceeds ${this.maxBodyBytes}`)
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase()
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity') throw new HttpError(415, `content encoding ${contentEncoding} is not supported (gzip is)`)
    const stream = contentEncoding === 'gzip' ? req.pipe(createGunzip()) : req
    const chunks: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length
        if (size > this.maxBodyBytes) throw new HttpError(413, `body exceeds ${this.maxBodyBytes} bytes`)
        chunks.push(chunk as Buffer)
      }
    } catch (error) {
      if (error instanceof HttpError) throw error
      throw new HttpError(400, `unreadable body: ${(error as Error).message}`)
    }
    return Buffer.concat(chunks)
  }
}

function decodeRequest(body: Buffer, encoding: Encoding): Record<string, unknown> {
  if (encoding === 'json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      throw new HttpError(400, 'body is not JSON')
    }
    if (!looksLikeLogsRequest(parsed)) throw new HttpError(400, 'JSON body is not an OTLP ExportLogsServiceRequest')
    return parsed
  }
  let decoded: Record<string, unknown>
  try {
    decoded = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), TO_OBJECT)
  } catch (error) {
    throw new HttpError(400, `body is not an OTLP protobuf message (${(error as Error).message})`)
  }
  // Bytes that decode to no known field at all are not a logs request, whatever protobuf allows.
  if (body.length > 0 && (decoded.resourceLogs as unknown[]).length === 0) throw new HttpError(400, 'protobuf body holds no resource_logs')
  return decoded
}

function reply(res: ServerResponse, status: number, encoding: Encoding, type: typeof RpcStatus, message: Record<string, unknown>): void {
  if (encoding === 'json') {
    res.writeHead(status, {'Content-Type': 'application/json'}).end(JSON.stringify(message))
  } else {
    const bytes = type.encode(type.fromObject(message)).finish()
    res.writeHead(status, {'Content-Type': 'application/x-protobuf'}).end(Buffer.from(bytes))
  }
}

function plainReply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {'Content-Type': 'text/plain'}).end(`${text}\n`)
}
