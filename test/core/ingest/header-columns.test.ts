import {describe, expect, it} from 'vitest'
import {detectFormat, type LogRecord} from '../../../src/core/ingest/index.js'

const MESSAGES = ['Starting job 881', 'Finished job 17 in 98 ms', 'Connection from 10.0.0.4 closed', 'Disk /dev/sda1 is 91% full']

/** n lines built by `line(i)`, parsed the way `flare parse` does: detection on the sample, then the chosen format. */
function parseAll(n: number, line: (i: number) => string): {format: string; description: string; records: LogRecord[]} {
  const lines = Array.from({length: n}, (_, i) => line(i))
  const {format} = detectFormat(lines)
  return {format: format.name, description: format.description, records: lines.map((l, i) => format.parse(l, i + 1)!)}
}

const stamp = (i: number) => `2026-03-04 09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.123`

describe('generic header columns sniffed from the sample', () => {
  it('ISO timestamp, host and pid: both become fields and the content starts with the message', () => {
    const {format, records} = parseAll(40, (i) => `${stamp(i)} node-${i % 7} ${1200 + (i % 3)} ${MESSAGES[i % 4]}`)
    expect(format).toBe('generic')
    expect(records[0]).toMatchObject({host: 'node-0', pid: '1200', content: 'Starting job 881'})
    expect(records[5]).toMatchObject({host: 'node-5', pid: '1202', content: 'Finished job 17 in 98 ms'})
    expect(new Set(records.map((r) => r.host)).size).toBe(7)
  })

  it('a level and component after the columns are still read', () => {
    const {records} = parseAll(20, (i) => `${stamp(i)} web-0${i % 3} ${300 + (i % 2)} WARN Scheduler: ${MESSAGES[i % 4]}`)
    expect(records[1]).toMatchObject({host: 'web-01', pid: '301', level: 'WARN', component: 'Scheduler', content: 'Finished job 17 in 98 ms'})
  })

  it('BGL-like node names, many distinct ones in the sample, leave the templates', () => {
    const node = (i: number) => `R${String(i % 24).padStart(2, '0')}-M${i % 2}-N${i % 9}-C:J${String(i % 16).padStart(2, '0')}-U11`
    const texts = ['RAS KERNEL instruction cache parity error corrected', 'RAS KERNEL machine check interrupt', 'RAS APP ciod: failed to read message prefix']
    const {format, records} = parseAll(60, (i) => `2026-03-04 09:05:${String(i % 60).padStart(2, '0')},000 ${node(i % 37)} ${texts[i % 3]}`)
    expect(format).toBe('generic')
    expect(new Set(records.map((r) => r.host)).size).toBeGreaterThan(30)
    expect(records[1]).toMatchObject({host: node(1), content: texts[1]})
    expect(records.every((r) => r.content.startsWith('RAS '))).toBe(true)
  })

  it('a numeric-only id column after the level becomes the pid', () => {
    const {records} = parseAll(30, (i) => `${stamp(i)} INFO ${4711 + (i % 4)} ${MESSAGES[i % 4]}`)
    expect(records[2]).toMatchObject({level: 'INFO', pid: '4713', content: 'Connection from 10.0.0.4 closed'})
  })

  it('a message whose first word looks like a host keeps it when the word is not a column', () => {
    // a third of the lines start with a host-like word: far from every line, so it is message
    const first = ['eth0 link is up', 'node-3 joined the ring', 'Starting job 881']
    const plain = parseAll(30, (i) => `${stamp(i)} ${first[i % 3]}`)
    expect(plain.description).not.toMatch(/header columns/)
    expect(plain.records[0]).toMatchObject({content: 'eth0 link is up'})
    expect(plain.records[0].host).toBeUndefined()
    expect(plain.records[1]).toMatchObject({content: 'node-3 joined the ring'})
  })

  it('in a file with a host column, a line without a host keeps its first word', () => {
    const {records} = parseAll(30, (i) => (i === 7 ? `${stamp(i)} Rebooting now` : `${stamp(i)} db-${i % 2} eth0 link is up`))
    expect(records[0]).toMatchObject({host: 'db-0', content: 'eth0 link is up'})
    expect(records[7]).toMatchObject({content: 'Rebooting now'})
    expect(records[7].host).toBeUndefined()
  })

  it('per-event ids (uuids, block ids) and words after a component are not columns', () => {
    const hex = (i: number) => ((i + 1) * 2654435761).toString(16).padStart(8, '0')
    const ids = parseAll(30, (i) => `${stamp(i)} req-${hex(i)}-${hex(i + 9)} GET /v2/servers`)
    expect(ids.records[0].content).toBe(`req-${hex(0)}-${hex(9)} GET /v2/servers`)
    expect(ids.records[0].host).toBeUndefined()
    const proxy = parseAll(30, (i) => `[10.30 16:49:${String(i % 60).padStart(2, '0')}] chrome.exe - proxy${i % 3}.example.org:5070 open through proxy`)
    expect(proxy.records[4]).toMatchObject({component: 'chrome.exe', content: 'proxy1.example.org:5070 open through proxy'})
  })

  it('decides nothing from a handful of lines', () => {
    const {description, records} = parseAll(5, (i) => `${stamp(i)} node-${i} ${MESSAGES[i % 4]}`)
    expect(description).not.toMatch(/header columns/)
    expect(records[0].content).toBe('node-0 Starting job 881')
  })
})

describe('RFC 3339 lines without a syslog tag', () => {
  it('are read as generic with host and pid columns instead of syslog with the pid in the message', () => {
    const {format, records} = parseAll(30, (i) => `2026-03-04T09:05:${String(i % 60).padStart(2, '0')}.123Z node-${i % 5} ${12345 + (i % 2)} ${MESSAGES[i % 4]}`)
    expect(format).toBe('generic')
    expect(records[0]).toMatchObject({host: 'node-0', pid: '12345', content: 'Starting job 881'})
  })

  it('stay syslog when the lines carry tags', () => {
    const {format, records} = parseAll(30, (i) => `2026-03-04T09:05:${String(i % 60).padStart(2, '0')}.123Z node-${i % 5} cron[${100 + i}]: ${MESSAGES[i % 4]}`)
    expect(format).toBe('syslog')
    expect(records[0]).toMatchObject({host: 'node-0', component: 'cron', pid: '100', content: 'Starting job 881'})
  })
})
