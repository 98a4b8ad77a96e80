import {describe, expect, it} from 'vitest'
import {packSessions} from '../../../src/core/sessions/packing.js'
import {Session, SessionSlots} from '../../../src/core/sessions/session.js'
import {seededRand} from '../../helpers/hdfs-like.js'

/** Everything a session reports. */
function numbers(s: Session) {
  return {
    events: s.events,
    errors: s.errors,
    warnings: s.warnings,
    firstLine: s.firstLine,
    lastLine: s.lastLine,
    firstTime: s.firstTime,
    lastTime: s.lastTime,
    gapSum: s.gapSum,
    gapMax: s.gapMax,
    gaps: s.gaps,
    durationMs: s.durationMs,
    templates: Array.from(s.templates),
    transitions: Array.from(s.transitions),
  }
}

describe('session numbers in shared slots (SessionSlots)', () => {
  it('sessions sharing chunks of slots (across chunk boundaries, packed, unpacked) report what sessions made alone report', () => {
    const rand = seededRand(3)
    const slots = new SessionSlots(4)
    const shared = Array.from({length: 11}, (_, i) => new Session(`blk_${i}`, i, slots))
    const alone = Array.from({length: 11}, (_, i) => new Session(`blk_${i}`, i))
    expect(numbers(shared[5])).toEqual(numbers(alone[5]))
    expect(shared[5].firstLine).toBe(Number.MAX_SAFE_INTEGER)
    expect(shared[5].firstTime).toBeNaN()
    for (let line = 1; line <= 600; line++) {
      const k = rand(11)
      const time = rand(8) === 0 ? undefined : 1_000_000 + 1000 * line + rand(3000)
      const level = ['INFO', 'WARN', 'ERROR'][rand(3)]
      const template = rand(5)
      shared[k].add(template, line, level, time)
      alone[k].add(template, line, level, time)
      if (line === 300) packSessions(shared.slice(0, 7))
    }
    for (let k = 0; k < 11; k++) expect(numbers(shared[k])).toEqual(numbers(alone[k]))
    expect(shared.slice(0, 7).some((s) => s.isPacked)).toBe(false)
    packSessions(shared)
    for (let k = 0; k < 11; k++) expect(numbers(shared[k])).toEqual(numbers(alone[k]))
    expect(shared[2].gaps).toBeGreaterThan(0)
    expect(shared[2].errors + shared[2].warnings).toBeGreaterThan(0)
  })

  it('a session finds its slot from its order: shared slots take sessions in order, a power of two a chunk', () => {
    const slots = new SessionSlots(4)
    new Session('a', 0, slots)
    expect(() => new Session('c', 2, slots)).toThrow(/order 2 does not match its slot/)
    expect(() => new SessionSlots(3)).toThrow(/power of two/)
    // a session alone (its own one-slot chunk) may have any order
    const alone = new Session('x', 12_345)
    alone.add(0, 1, 'ERROR', 1000)
    expect([alone.events, alone.errors, alone.firstTime]).toEqual([1, 1, 1000])
  })

  it('drops a batch once every session packed into it grew again (its first lines with it)', () => {
    const slots = new SessionSlots(4)
    const sessions = [0, 1, 2, 3, 4].map((i) => new Session(`s${i}`, i, slots))
    sessions.forEach((s, i) => s.add(i, 10 + i, 'INFO', undefined))
    packSessions(sessions.slice(0, 3))
    packSessions(sessions.slice(3))
    expect(slots.batchesHeld).toBe(2)
    sessions[0].add(7, 20, 'INFO', undefined)
    sessions[1].add(7, 21, 'INFO', undefined)
    expect(slots.batchesHeld).toBe(2)
    sessions[2].add(7, 22, 'INFO', undefined)
    expect(slots.batchesHeld).toBe(1)
    packSessions(sessions)
    expect(slots.batchesHeld).toBe(2)
    expect(sessions.map((s) => [...s.templates])).toEqual([0, 1, 2, 3, 4].map((i) => (i < 3 ? [i, 1, 10 + i, 7, 1, 20 + i] : [i, 1, 10 + i])))
  })

  it('a packed session given a new first line keeps its templates\' first lines', () => {
    const slots = new SessionSlots(2)
    const s = new Session('s', 0, slots)
    s.add(3, 100, 'INFO', undefined)
    s.add(4, 250, 'INFO', undefined)
    packSessions([s])
    s.firstLine = 40
    expect([s.firstLine, [...s.templates]]).toEqual([40, [3, 1, 100, 4, 1, 250]])
  })

  it('setting a number changes that session only', () => {
    const slots = new SessionSlots(2)
    const [a, b, c] = [0, 1, 2].map((i) => new Session(`s${i}`, i, slots))
    b.events = 7
    b.gapMax = 1.5
    expect([a.events, b.events, c.events]).toEqual([0, 7, 0])
    expect([a.gapMax, b.gapMax, c.gapMax]).toEqual([0, 1.5, 0])
  })
})

describe('line ids in a chunk of slots (SlotChunk)', () => {
  it('keeps them as Int32 until one does not fit, then widens the whole chunk without changing any', () => {
    const slots = new SessionSlots(4)
    const [a, b, c] = [0, 1, 2].map((i) => new Session(`s${i}`, i, slots))
    a.add(0, 7, 'INFO', undefined)
    b.add(0, 2 ** 31 - 3, 'INFO', undefined)
    expect([a.firstLine, a.lastLine, b.firstLine, b.lastLine]).toEqual([7, 7, 2 ** 31 - 3, 2 ** 31 - 3])
    // no line yet: MAX_SAFE_INTEGER and 0, before and after the chunk widens
    expect([c.firstLine, c.lastLine]).toEqual([Number.MAX_SAFE_INTEGER, 0])
    b.add(1, 2 ** 31 - 1, 'INFO', undefined)
    b.add(2, 2 ** 40 + 5, 'INFO', undefined)
    expect([a.firstLine, a.lastLine, b.firstLine, b.lastLine]).toEqual([7, 7, 2 ** 31 - 3, 2 ** 40 + 5])
    expect([c.firstLine, c.lastLine]).toEqual([Number.MAX_SAFE_INTEGER, 0])
    c.add(0, 3, 'INFO', undefined)
    expect([c.firstLine, c.lastLine]).toEqual([3, 3])
    // a session of the next chunk (four a chunk): Int32 lines again, where the sentinel's own value is a line like any other
    new Session('s3', 3, slots)
    const e = new Session('s4', 4, slots)
    expect([e.firstLine, e.lastLine]).toEqual([Number.MAX_SAFE_INTEGER, 0])
    e.add(0, 2 ** 31 - 1, 'INFO', undefined)
    expect([e.firstLine, e.lastLine]).toEqual([2 ** 31 - 1, 2 ** 31 - 1])
    e.add(0, 2 ** 31 - 2, 'INFO', undefined)
    expect([e.firstLine, e.lastLine]).toEqual([2 ** 31 - 2, 2 ** 31 - 1])
  })
})

describe('times in a chunk of slots (SlotChunk)', () => {
  it('keeps times less the chunk\'s first and spans as Int32 until one does not fit, then widens without changing any', () => {
    const rand = seededRand(23)
    const t0 = Date.UTC(2026, 0, 1)
    // each session's times as Float64 arithmetic makes them, against the shared chunk's
    for (const late of [20 * 86_400_000, 30 * 86_400_000, 0.5, -(40 * 86_400_000)]) {
      const slots = new SessionSlots(8)
      const shared = Array.from({length: 8}, (_, i) => new Session(`s${i}`, i, slots))
      const seen: number[][] = Array.from({length: 8}, () => [])
      for (let line = 1; line <= 400; line++) {
        const k = rand(8)
        const time = rand(10) === 0 ? undefined : line === 300 ? t0 + late : t0 + 1000 * line + rand(5000)
        shared[k].add(0, line, 'INFO', time)
        if (time !== undefined) seen[k].push(time)
      }
      for (let k = 0; k < 8; k++) {
        const ts = seen[k]
        let gapSum = 0
        let gapMax = 0
        for (let j = 1; j < ts.length; j++) {
          const gap = Math.max(0, ts[j] - ts[j - 1])
          gapSum += gap
          gapMax = Math.max(gapMax, gap)
        }
        const s = shared[k]
        expect([s.firstTime, s.lastTime, s.gapSum, s.gapMax, s.gaps], `late ${late}, session ${k}`).toEqual([Math.min(...ts), Math.max(...ts), gapSum, gapMax, Math.max(0, ts.length - 1)])
      }
    }
    const slots = new SessionSlots(2)
    const [a, b] = [0, 1].map((i) => new Session(`s${i}`, i, slots))
    expect([a.firstTime, a.lastTime, a.gapSum]).toEqual([Number.NaN, Number.NaN, 0])
    a.add(0, 1, 'INFO', t0)
    b.add(0, 2, 'INFO', t0 + 1.25)
    a.add(0, 3, 'INFO', t0 + 2 ** 40)
    expect([a.firstTime, a.lastTime, a.gapSum, a.gapMax]).toEqual([t0, t0 + 2 ** 40, 2 ** 40, 2 ** 40])
    expect([b.firstTime, b.lastTime]).toEqual([t0 + 1.25, t0 + 1.25])
  })
})
