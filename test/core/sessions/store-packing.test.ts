import {describe, expect, it} from 'vitest'
import {LineBatch} from '../../../src/core/mining/line-batch.js'
import {ProfileTable} from '../../../src/core/sessions/profiles.js'
import {packSessions, readVarint, unzigzag, VARINT, varintBytes, writeVarint, zigzag} from '../../../src/core/sessions/packing.js'
import {Session as PlainSession, SessionSlots} from '../../../src/core/sessions/session.js'
import {SessionStore, type Session} from '../../../src/core/sessions/store.js'
import {seededRand} from '../../helpers/hdfs-like.js'

/**
 * A store fed batches of line events packs sessions that have gone quiet into shared typed arrays
 * while it reads, and unpacks one that gets another event. The sessions it ends with must be the
 * ones record-by-record adds give (which pack only at finish()).
 */
interface Line {
  lineId: number
  template: number
  level: number
  time: number
  blocks: string[]
}

/** Seeded lines over blocks that go quiet and come back much later (so some are packed, then touched again). */
function lines(count: number, seed: number): Line[] {
  const rand = seededRand(seed)
  const out: Line[] = []
  for (let i = 0; i < count; i++) {
    const base = Math.floor(i / 40) * 8
    const block = rand(10) === 0 ? rand(base + 8) : base + rand(8)
    const blocks = [`blk_${block}`]
    if (rand(20) === 0) blocks.push(`blk_${rand(base + 8)}`)
    out.push({lineId: i + 1, template: rand(6), level: rand(7) === 0 ? 5 : 2, time: rand(9) === 0 ? Number.NaN : 1_000_000 + i * 10 + rand(5), blocks: rand(30) === 0 ? [] : blocks})
  }
  return out
}

function batchOf(chunk: Line[]): LineBatch {
  const batch = new LineBatch()
  const ids = [...new Set(chunk.flatMap((l) => l.blocks))]
  const bytes = Buffer.from(ids.join(''), 'latin1')
  batch.reset(chunk.length, bytes)
  let at = 0
  for (const id of ids) {
    batch.addKey(at, at + id.length)
    at += id.length
  }
  chunk.forEach((l, i) => {
    batch.lineId[i] = l.lineId
    batch.template[i] = l.template
    batch.level[i] = l.level
    batch.time[i] = l.time
    batch.componentStart[i] = -1
    for (const b of l.blocks) batch.addRef(ids.indexOf(b))
    batch.keyEnd[i] = batch.refs
  })
  batch.n = chunk.length
  return batch
}

const view = (s: Session) => ({id: s.id, order: s.order, events: s.events, errors: s.errors, warnings: s.warnings, first: s.firstLine, last: s.lastLine, times: [s.firstTime, s.lastTime, s.gapSum, s.gapMax, s.gaps], templates: [...s.templates], transitions: [...s.transitions]})

describe('SessionStore packing', () => {
  it('gives the sessions record-by-record adds give, with quiet sessions packed and touched again', () => {
    const all = lines(6000, 7)
    const byRecord = new SessionStore({mode: 'block'})
    for (const l of all) byRecord.add({lineId: l.lineId, level: l.level === 5 ? 'ERROR' : 'INFO', timestamp: Number.isNaN(l.time) ? undefined : l.time, sessionKeys: l.blocks, sessionKind: l.blocks.length > 0 ? 'block' : undefined}, l.template)
    const byBatch = new SessionStore({mode: 'block', packing: {sweepSessions: 16, quietLines: 50}})
    let packedWhileReading = 0
    for (let i = 0; i < all.length; i += 100) {
      byBatch.addBatch(batchOf(all.slice(i, i + 100)))
      packedWhileReading = Math.max(packedWhileReading, [...byBatch.all].filter((s) => s.isPacked).length)
    }
    const expected = [...byRecord.finish()].map(view)
    const got = [...byBatch.finish()]
    expect(packedWhileReading).toBeGreaterThan(100)
    expect(got.every((s) => s.isPacked)).toBe(true)
    expect(got.map(view)).toEqual(expected)
    expect(byBatch.unassigned).toBe(byRecord.unassigned)
    expect(byRecord.unassignedErrors).toBeGreaterThan(0)
    expect(byBatch.unassignedErrors).toBe(byRecord.unassignedErrors)
  })

  it('a packed session given another event grows again', () => {
    const store = new SessionStore({mode: 'request'})
    store.add({lineId: 1, sessionKeys: ['r1'], sessionKind: 'request'}, 0)
    const [s] = store.finish()
    expect(s.isPacked).toBe(true)
    s.add(1, 2, 'WARN', undefined)
    expect(s.isPacked).toBe(false)
    expect([...s.templates]).toEqual([0, 1, 1, 1, 1, 2])
    expect(s.transitions.length).toBe(2)
    expect(s.warnings).toBe(1)
  })

  it('packs first lines as varint steps: line ids past 2^31, 2^40 and 2^50, lines added out of order, and back again', () => {
    const slots = new SessionSlots(4)
    const big = 2 ** 31 + 5
    const cases = [
      [7, 8, 9, 200_000],
      [big, big + 1, big + 300, 2 ** 40 + 3],
      [500, 20, 40_000, 3],
      [2 ** 51 - 10, 1, 2 ** 51 - 9, 0],
    ]
    const shared = cases.map((_, i) => new PlainSession(`s${i}`, i, slots))
    cases.forEach((lineIds, i) => lineIds.forEach((line, k) => shared[i].add(k, line, 'INFO', undefined)))
    const expected = shared.map((s) => [...s.templates])
    packSessions(shared)
    expect(shared.every((s) => s.isPacked)).toBe(true)
    expect(shared.map((s) => [...s.templates])).toEqual(expected)
    // the first lines: each template's line as added (none was added twice)
    expect(shared.map((s) => [...s.templates].filter((_, k) => k % 3 === 2))).toEqual(cases)
    // unpacked by another event, then packed again into another batch
    shared[1].add(9, 2 ** 45, 'INFO', undefined)
    packSessions(shared)
    expect([...shared[1].templates].slice(-3)).toEqual([9, 1, 2 ** 45])
    expect([...shared[0].templates]).toEqual(expected[0])
  })

  it('varints round-trip every whole number below 2^53 they are given, and a zigzag step of either sign', () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER]
    const out = new Uint8Array(values.reduce((n, v) => n + varintBytes(v), 0))
    let at = 0
    for (const v of values) at = writeVarint(out, at, v)
    expect(at).toBe(out.length)
    const back: number[] = []
    for (let r = 0; r < out.length; r = VARINT.next) {
      readVarint(out, r)
      back.push(VARINT.value)
    }
    expect(back).toEqual(values)
    expect([varintBytes(127), varintBytes(128), varintBytes(2 ** 31)]).toEqual([1, 2, 5])
    for (const step of [0, 1, -1, 2, -2, 2 ** 40, -(2 ** 40)]) expect(unzigzag(zigzag(step))).toBe(step)
    expect([0, -1, 1, -2].map(zigzag)).toEqual([0, 1, 2, 3])
  })

  it('sessions that come back after new ones stop are packed again while reading (a log replayed twice)', () => {
    // The second half names only blocks of the first: no new session comes, yet the sessions it
    // touches again must not all stay unpacked until finish() (memory growing with the lines).
    const first = lines(3000, 11)
    const again = first.map((l) => ({...l, lineId: l.lineId + 3000}))
    const byRecord = new SessionStore({mode: 'block'})
    const byBatch = new SessionStore({mode: 'block', packing: {sweepSessions: 16, quietLines: 50}})
    for (const l of [...first, ...again]) byRecord.add({lineId: l.lineId, level: l.level === 5 ? 'ERROR' : 'INFO', timestamp: Number.isNaN(l.time) ? undefined : l.time, sessionKeys: l.blocks, sessionKind: l.blocks.length > 0 ? 'block' : undefined}, l.template)
    const all = [...first, ...again]
    let unpackedLate = 0
    for (let i = 0; i < all.length; i += 100) {
      byBatch.addBatch(batchOf(all.slice(i, i + 100)))
      if (i >= 5000) unpackedLate = Math.max(unpackedLate, [...byBatch.all].filter((s) => !s.isPacked).length)
    }
    const sessions = byBatch.all.length
    expect(unpackedLate).toBeLessThan(sessions / 4)
    expect([...byBatch.finish()].map(view)).toEqual([...byRecord.finish()].map(view))
  })
})

describe('ProfileTable', () => {
  const session = (id: string, templates: number[]): PlainSession => {
    const s = new PlainSession(id, 0)
    templates.forEach((t, k) => s.add(t, 10 * k + id.length, 'INFO', undefined))
    return s
  }

  it('stores a profile once for every session that has it, and keeps each session its own first lines', () => {
    const table = new ProfileTable()
    const a = session('a', [3, 4, 4, 5])
    const b = session('bb', [3, 4, 4, 5])
    const c = session('c', [3, 4, 5, 5])
    const before = [a, b, c].map((s) => [[...s.templates], [...s.transitions]])
    packSessions([a, b, c], table)
    expect(table.size).toBe(2)
    expect([a, b, c].map((s) => [[...s.templates], [...s.transitions]])).toEqual(before)
    expect(a.templates[2]).not.toBe(b.templates[2])
    expect(b.count(4)).toBe(2)
    expect(c.count(6)).toBe(0)
  })

  it('tells thousands of profiles apart (the table grows; large transition keys included)', () => {
    const table = new ProfileTable()
    const sessions = Array.from({length: 3000}, (_, i) => session(`s${i}`, [i % 50, 2000 + (i % 60), i % 7]))
    const before = sessions.map((s) => [[...s.templates], [...s.transitions]])
    packSessions(sessions, table)
    // distinct (i mod 50, i mod 60, i mod 7) triples: lcm(50, 60, 7) = 2100 of them among 3,000
    expect(table.size).toBe(2100)
    expect(sessions.map((s) => [[...s.templates], [...s.transitions]])).toEqual(before)
  })
})
