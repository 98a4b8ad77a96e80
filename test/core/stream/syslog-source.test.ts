import {createSocket} from 'node:dgram'
import {connect, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {SyslogSource} from '../../../src/core/stream/sources/syslog-source.js'
import {parseSyslogText} from '../../../src/core/stream/sources/syslog-parse.js'
import {CollectingSink, sleep} from './live-sink.js'

const BSD = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"
const IETF =
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\]ication" eventID="1011"] \uFEFFAn application event log entry'
const IETF_NIL = '<11>1 2026-12-01T10:00:00+02:00 web-3 nginx 1234 - - upstream timed out'

const sources: SyslogSource[] = []
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()))
})

async function listen(transport: 'udp' | 'tcp', maxFrameBytes?: number) {
  const source = new SyslogSource(transport, '127.0.0.1', 0, {maxFrameBytes})
  const sink = new CollectingSink()
  await source.start(sink)
  sources.push(source)
  return {source, sink, port: source.address().port}
}

function tcpClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

function endClient(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.end(() => resolve()))
}

function expectSamples(sink: CollectingSink) {
  const [bsd, ietf, nil] = sink.lines
  expect(bsd.text).toBe("'su root' failed for lonvick on /dev/pts/8")
  expect(bsd.host).toBe('mymachine')
  expect(bsd.component).toBe('su')
  expect(bsd.level).toBe('CRIT')
  expect(new Date(bsd.eventTime!).getMonth()).toBe(9)
  expect(new Date(bsd.eventTime!).getHours()).toBe(22)
  expect(ietf.text).toBe('An application event log entry')
  expect(ietf.eventTime).toBe(Date.UTC(2003, 9, 11, 22, 14, 15, 3))
  expect(ietf.host).toBe('mymachine.example.com')
  expect(ietf.component).toBe('evntslog')
  expect(ietf.level).toBe('NOTICE')
  expect(nil.text).toBe('upstream timed out')
  expect(nil.eventTime).toBe(Date.UTC(2026, 11, 1, 8, 0, 0))
  expect(nil.level).toBe('ERROR')
}

describe('syslog parsing', () => {
  it('reads RFC 3164 without a hostname, with a pid, and refuses text without PRI', () => {
    const noHost = parseSyslogText('<13>Feb  5 01:02:03 cron[42]: job done', Date.UTC(2026, 1, 6))
    expect(noHost).toMatchObject({ok: true, message: {text: 'job done', component: 'cron', host: undefined, level: 'NOTICE'}})
    expect(parseSyslogText('no header here')).toMatchObject({ok: false})
    expect(parseSyslogText('<999>Oct 11 22:14:15 h x: y')).toMatchObject({ok: false})
    expect(parseSyslogText('<14>1 yesterday host app - - - msg')).toMatchObject({ok: false})
  })

  it('puts a December stamp read in January in the previous year', () => {
    const parsed = parseSyslogText('<14>Dec 31 23:59:00 h app: x', new Date(2027, 0, 1, 0, 5).getTime())
    expect(parsed.ok && new Date(parsed.message.eventTime!).getFullYear()).toBe(2026)
  })
})

describe('SyslogSource', () => {
  it('UDP: one message per datagram, 3164 and 5424', async () => {
    const {sink, port, source} = await listen('udp')
    const client = createSocket('udp4')
    for (const m of [BSD, IETF, IETF_NIL]) {
      await new Promise<void>((resolve, reject) => client.send(Buffer.from(`${m}\n`), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
      await sleep(5)
    }
    await sink.waitFor(3)
    client.close()
    expectSamples(sink)
    expect(sink.lines[0].source).toBe(`syslog-udp:127.0.0.1:${port}`)
    expect(source.name).toBe(`syslog udp 127.0.0.1:${port}`)
  })

  it('TCP octet counting, frames split across writes', async () => {
    const {sink, port} = await listen('tcp')
    const client = await tcpClient(port)
    const framed = [BSD, IETF, IETF_NIL].map((m) => `${Buffer.byteLength(m)} ${m}`).join('')
    const bytes = Buffer.from(framed)
    for (let at = 0; at < bytes.length; at += 37) {
      client.write(bytes.subarray(at, at + 37))
      await sleep(2)
    }
    await sink.waitFor(3)
    await endClient(client)
    expectSamples(sink)
  })

  it('TCP newline framing with CRLF, the last message flushed at close', async () => {
    const {sink, port} = await listen('tcp')
    const client = await tcpClient(port)
    client.write(`${BSD}\r\n${IETF}\n${IETF_NIL}`)
    await endClient(client)
    await sink.waitFor(3)
    expectSamples(sink)
  })

  it('counts malformed, oversized and binary frames and keeps serving the next client', async () => {
    const {sink, port, source} = await listen('tcp', 1024)
    const bad = await tcpClient(port)
    const junk = Buffer.alloc(4096)
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff
    bad.write(junk)
    await endClient(bad)
    const mixed = await tcpClient(port)
    mixed.write(`no priority at all\n`)
    mixed.write(`2000 ${'y'.repeat(2000)}`)
    mixed.write(`${'z'.repeat(5000)}\n`)
    mixed.write(`${BSD}\n`)
    await endClient(mixed)
    const good = await tcpClient(port)
    good.write(`${Buffer.byteLength(IETF)} ${IETF}`)
    await endClient(good)
    await sink.waitFor(2)
    await sleep(50)
    expect(sink.texts()).toEqual(["'su root' failed for lonvick on /dev/pts/8", 'An application event log entry'])
    const stats = source.stats()
    // Junk (refused as lines or as oversized), no-PRI, the oversized octet frame and the oversized line.
    expect(stats.rejected).toBeGreaterThanOrEqual(4)
    expect(stats.notes.some((n) => /exceeds 1024/.test(n))).toBe(true)
    expect(stats.notes.some((n) => /no <PRI>/.test(n))).toBe(true)
    expect(stats.lines).toBe(2)

    const udp = createSocket('udp4')
    await new Promise<void>((resolve) => udp.send(junk.subarray(0, 512), port, '127.0.0.1', () => resolve()))
    udp.close()
  })

  it('UDP: oversized and binary datagrams are refused and counted', async () => {
    const {sink, port, source} = await listen('udp', 256)
    const client = createSocket('udp4')
    const send = (b: Buffer) => new Promise<void>((resolve) => client.send(b, port, '127.0.0.1', () => resolve()))
    await send(Buffer.from([0x3c, 0x31, 0x3e, 0, 1, 2, 0xff, 0xfe]))
    await send(Buffer.from(`<14>1 - - - - - - ${'x'.repeat(400)}`))
    await send(Buffer.from(IETF_NIL))
    await sink.waitFor(1)
    await sleep(50)
    client.close()
    expect(sink.texts()).toEqual(['upstream timed out'])
    expect(source.stats().rejected).toBe(2)
  })
})
