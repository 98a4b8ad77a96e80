import {createSocket, type Socket as UdpSocket} from 'node:dgram'
import {createServer, type AddressInfo, type Server, type Socket} from 'node:net'
import type {LineSink, LineSource} from '../contracts.js'
import {listenError} from './listen-error.js'
import {StatsKeeper, type LiveSourceStats} from './source-stats.js'
import {SyslogFramer} from './syslog-framer.js'
import {parseSyslogFrame} from './syslog-parse.js'

export interface SyslogSourceOptions {
  onNote?: (note: string) => void
  /** Largest frame accepted (bytes); bigger ones are refused and counted. */
  maxFrameBytes?: number
  /** TCP connections served at once; more are refused and counted. */
  maxConnections?: number
  /** A TCP connection silent this long is closed (ms). */
  idleTimeoutMs?: number
}

/**
 * A syslog listener on UDP (one message per datagram) or TCP (RFC 6587 framing, see
 * SyslogFramer). Bad frames are counted and noted, never fatal; TCP connections are paused while
 * the sink is full, so TCP senders are slowed down rather than losing lines.
 */
export class SyslogSource implements LineSource {
  private readonly stats_: StatsKeeper
  private readonly maxFrameBytes: number
  private udp?: UdpSocket
  private tcp?: Server
  private readonly connections = new Set<Socket>()
  private bound?: {host: string; port: number}
  /** The name with the bound port, set once listening. */
  private label?: string
  /** LiveLine.source of this listener's lines: `syslog-udp:127.0.0.1:5514`. */
  private origin = ''

  constructor(
    readonly transport: 'udp' | 'tcp',
    private readonly host: string,
    private readonly port: number,
    private readonly options: SyslogSourceOptions = {},
  ) {
    this.stats_ = new StatsKeeper(options.onNote)
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024
  }

  get name(): string {
    return this.label ?? `syslog ${this.transport} ${formatHost(this.host)}:${this.port}`
  }

  /** The bound address (the real port when 0 was asked for). */
  address(): {host: string; port: number} {
    if (this.bound === undefined) throw new Error('syslog source not started')
    return this.bound
  }

  async start(sink: LineSink): Promise<void> {
    if (this.transport === 'udp') await this.startUdp(sink)
    else await this.startTcp(sink)
  }

  async stop(): Promise<void> {
    if (this.udp !== undefined) {
      const udp = this.udp
      this.udp = undefined
      await new Promise<void>((resolve) => udp.close(() => resolve()))
    }
    if (this.tcp !== undefined) {
      const tcp = this.tcp
      this.tcp = undefined
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()))
      for (const socket of this.connections) socket.destroy()
      await closed
    }
  }

  stats(): LiveSourceStats {
    return this.stats_.snapshot()
  }

  private deliver(sink: LineSink, frame: Buffer, peer: string): void {
    const parsed = parseSyslogFrame(frame)
    if (!parsed.ok) {
      this.reject(`frame from ${peer} refused: ${parsed.reason}`, parsed.reason)
      return
    }
    const {text, eventTime, host, component, level} = parsed.message
    const line = {text, source: this.origin, arrivedAt: Date.now(), eventTime, host, component, level}
    if (sink.push(line)) this.stats_.lines++
    else this.stats_.dropped++
  }

  private reject(note: string, kind: string): void {
    this.stats_.rejected++
    this.stats_.note(`${this.name}: ${note}`, `reject:${kind.slice(0, 30)}`)
  }

  private async startUdp(sink: LineSink): Promise<void> {
    const udp = createSocket({type: this.host.includes(':') ? 'udp6' : 'udp4'})
    udp.on('message', (message, peer) => {
      if (message.length > this.maxFrameBytes) {
        this.reject(`datagram of ${message.length} bytes from ${peer.address} exceeds ${this.maxFrameBytes}`, 'oversized')
        return
      }
      this.deliver(sink, message, `${peer.address}:${peer.port}`)
    })
    await new Promise<void>((resolve, reject) => {
      udp.once('error', (error) => reject(listenError(this.name, error)))
      udp.bind(this.port, this.host, () => resolve())
    })
    udp.on('error', (error) => this.stats_.note(`${this.name}: ${error.message}`, 'socket-error'))
    // A bigger kernel buffer rides out bursts while the engine is busy; best effort.
    try {
      udp.setRecvBufferSize(4 * 1024 * 1024)
    } catch {
      // The system caps it; the default still works.
    }
    const address = udp.address()
    this.bound = {host: address.address, port: address.port}
    this.label = `syslog udp ${formatHost(address.address)}:${address.port}`
    this.origin = `syslog-udp:${formatHost(address.address)}:${address.port}`
    this.udp = udp
  }

  private async startTcp(sink: LineSink): Promise<void> {
    const server = createServer((socket) => this.serve(sink, socket))
    server.maxConnections = this.options.maxConnections ?? 512
    server.on('drop', (peer) => this.reject(`connection from ${peer?.remoteAddress ?? '?'} refused: more than ${server.maxConnections} connections`, 'too-many'))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError(this.name, error)))
      server.listen(this.port, this.host, () => resolve())
    })
    server.on('error', (error) => this.stats_.note(`${this.name}: ${error.message}`, 'socket-error'))
    const address = server.address() as AddressInfo
    this.bound = {host: address.address, port: address.port}
    this.label = `syslog tcp ${formatHost(address.address)}:${address.port}`
    this.origin = `syslog-tcp:${formatHost(address.address)}:${address.port}`
    this.tcp = server
  }

  private serve(sink: LineSink, socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    this.connections.add(socket)
    socket.setTimeout(this.options.idleTimeoutMs ?? 300_000, () => socket.destroy())
    const framer = new SyslogFramer(
      this.maxFrameBytes,
      (frame) => this.deliver(sink, frame, peer),
      (reason) => this.reject(`from ${peer}: ${reason}`, reason.replace(/\d+/g, 'N')),
    )
    let chain = Promise.resolve()
    socket.on('data', (chunk) => {
      socket.pause()
      chain = chain
        .then(() => sink.room())
        .then(() => {
          framer.push(chunk)
          if (!socket.destroyed) socket.resume()
        })
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.connections.delete(socket)
      chain = chain.then(() => framer.end())
    })
  }
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
