import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {LineSource} from '../../../src/core/stream/contracts.js'
import {openSender, syslogFrame} from '../../../src/core/stream/senders.js'
import {FileSource} from '../../../src/core/stream/sources/file-source.js'
import {OtlpSource} from '../../../src/core/stream/sources/otlp-source.js'
import {SyslogSource} from '../../../src/core/stream/sources/syslog-source.js'
import {parseSyslogText} from '../../../src/core/stream/sources/syslog-parse.js'
import {CollectingSink} from './live-sink.js'

const lines = (n: number) =>
  Array.from({length: n}, (_, i) => `081109 2036${String(i % 60).padStart(2, '0')} ${i} INFO dfs.DataNode: Receiving block blk_${i * 7919} [x] "q" - - é`)

const started: LineSource[] = []
let dir: string | undefined
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()))
  if (dir !== undefined) rmSync(dir, {recursive: true, force: true})
  dir = undefined
})

async function roundTrip(source: LineSource & {address?: () => {port: number}}, target: (port: number) => string, count: number) {
  const sink = new CollectingSink()
  await source.start(sink)
  started.push(source)
  const sender = await openSender(target(source.address?.().port ?? 0))
  const sent = lines(count)
  for (const line of sent) await sender.send(line)
  await sender.close()
  await sink.waitFor(count)
  return {sink, sent}
}

describe('senders round-trip into the sources', () => {
  it('a replayed line framed as syslog parses back to itself, with no transport fields', () => {
    const parsed = parseSyslogText(syslogFrame('2026-12-01 10:00:00 web-1 nginx: GET /'))
    expect(parsed).toEqual({ok: true, message: {text: '2026-12-01 10:00:00 web-1 nginx: GET /', eventTime: undefined, host: undefined, component: undefined, level: 'INFO', facility: 1}})
  })

  it('udp://', async () => {
    const {sink, sent} = await roundTrip(new SyslogSource('udp', '127.0.0.1', 0), (port) => `udp://127.0.0.1:${port}`, 300)
    expect(sink.texts()).toEqual(sent)
  })

  it('tcp:// with octet counting', async () => {
    const {sink, sent} = await roundTrip(new SyslogSource('tcp', '127.0.0.1', 0), (port) => `tcp://127.0.0.1:${port}`, 3000)
    expect(sink.texts()).toEqual(sent)
  })

  it('otlp+http:// in batches', async () => {
    const {sink, sent} = await roundTrip(new OtlpSource('127.0.0.1', 0), (port) => `otlp+http://127.0.0.1:${port}`, 1234)
    expect(sink.texts()).toEqual(sent)
    expect(sink.lines.every((l) => l.eventTime === undefined)).toBe(true)
  })

  it('file: appends to a followed file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flare-send-'))
    const path = join(dir, 'replayed.log')
    writeFileSync(path, 'already there\n')
    const {sink, sent} = await roundTrip(new FileSource(path, {pollMs: 20}), () => `file:${path}`, 2000)
    expect(sink.texts()).toEqual(sent)
  })

  it('bad targets are usage errors; an unreachable one is a dependency error', async () => {
    await expect(openSender('ftp://127.0.0.1:21')).rejects.toMatchObject({exitCode: 2})
    await expect(openSender('tcp://127.0.0.1')).rejects.toMatchObject({exitCode: 2})
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as {port: number}
    await new Promise((resolve) => server.close(resolve))
    await expect(openSender(`tcp://127.0.0.1:${port}`)).rejects.toMatchObject({exitCode: 4})
  })
})
