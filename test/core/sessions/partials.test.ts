import {describe, expect, it} from 'vitest'
import {hdfsTime} from '../../../src/core/ingest/formats/hdfs.js'
import {writePartials} from '../../../src/core/sessions/partials.js'
import {SessionStore, type Session} from '../../../src/core/sessions/store.js'
import {seededRand} from '../../helpers/hdfs-like.js'
import {CANONICAL_LEVELS} from '../../../src/core/severity.js'

/**
 * Regions of line events summed up into partial sessions (as a worker does) and merged in region
 * order must give the sessions adding the lines one by one gives: same numbers, same order of
 * templates and transitions, across region boundaries, lines naming two blocks or none, sessions
 * packed while quiet and touched again.
 */
interface Line {
  template: number
  level: string
  date: number
  time: number
  blocks: string[]
}

function lines(count: number, seed: number): Line[] {
  const rand = seededRand(seed)
  const out: Line[] = []
  for (let i = 0; i < count; i++) {
    const base = Math.floor(i / 30) * 6
    const blocks = [`blk_${rand(8) === 0 ? rand(base + 6) : base + rand(6)}`]
    if (rand(15) === 0) blocks.push(`blk_-${rand(base + 6)}`)
    // Time goes back now and then (a gap is never negative), and over midnight.
    const second = 86_300 + Math.floor(i / 7) - (rand(25) === 0 ? 40 : 0)
    const day = 9 + Math.floor(second / 86_400)
    const s = second % 86_400
    const time = Math.floor(s / 3600) * 10_000 + Math.floor((s % 3600) / 60) * 100 + (s % 60)
    out.push({template: rand(7), level: ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'FATAL'][rand(6)], date: 81100 + day, time, blocks: rand(25) === 0 ? [] : blocks})
  }
  return out
}

/**
 * A region's line events as fast-events.ts writes them (ordinals in order of first use), and its
 * bytes. A line's `template` is its cluster; `templateOf` maps clusters to template indices (two
 * clusters of one template: the token-length variants of one template, as the miner keeps them).
 */
function region(chunk: Line[], templateOf?: number[]): {words: Int32Array; count: number; blocks: number; bytes: Buffer; index: Int32Array} {
  const ids: string[] = []
  const ordinals: number[] = []
  const words: number[] = []
  chunk.forEach((l, k) => {
    if (!ordinals.includes(l.template)) ordinals.push(l.template)
    const code = CANONICAL_LEVELS.indexOf(l.level as (typeof CANONICAL_LEVELS)[number])
    // (The line's byte range, the last two words before the blocks, is not read by partials.)
    words.push(k, (ordinals.indexOf(l.template) << 4) | code, l.date, l.time, -1, -1, l.blocks.length, 0, 0)
    for (const b of l.blocks) {
      if (!ids.includes(b)) ids.push(b)
      words.push(ids.indexOf(b))
    }
  })
  let at = 0
  for (const id of ids) {
    words.push(at, at + id.length)
    at += id.length
  }
  return {words: Int32Array.from(words), count: words.length, blocks: ids.length, bytes: Buffer.from(ids.join(''), 'latin1'), index: Int32Array.from(ordinals, (c) => templateOf?.[c] ?? c)}
}

const view = (s: Session) => ({id: s.id, order: s.order, numbers: [s.events, s.errors, s.warnings, s.firstLine, s.lastLine, s.firstTime, s.lastTime, s.gapSum, s.gapMax, s.gaps], templates: [...s.templates], transitions: [...s.transitions]})

describe('partial sessions', () => {
  for (const [name, templateOf] of [['a cluster per template', undefined], ['clusters sharing a template', [0, 1, 1, 2, 3, 3, 1]]] as const) {
    it(`merged region by region, give the sessions line-by-line adds give (${name})`, () => {
      const all = lines(5000, 3)
      const byLine = new SessionStore({mode: 'block'})
      all.forEach((l, i) => byLine.add({lineId: i + 1, level: l.level, timestamp: hdfsTime(l.date, l.time), sessionKeys: l.blocks, sessionKind: l.blocks.length > 0 ? 'block' : undefined}, templateOf?.[l.template] ?? l.template))
      const byRegion = new SessionStore({mode: 'block', packing: {sweepSessions: 16, quietLines: 60}})
      expect(byRegion.takesPartials).toBe(true)
      const out = new Float64Array(1 << 16)
      let packed = 0
      for (let first = 0, size = 1; first < all.length; first += size, size = (size * 7) % 400) {
        const r = region(all.slice(first, first + size), templateOf)
        const n = writePartials(r.words, r.count, r.blocks, out)
        expect(n).toBeGreaterThan(0)
        byRegion.addPartials(out.subarray(0, n), r.bytes, first + 1, r.index)
        packed = Math.max(packed, [...byRegion.all].filter((s) => s.isPacked).length)
      }
      const expected = [...byLine.finish()].map(view)
      expect(packed).toBeGreaterThan(50)
      expect([...byRegion.finish()].map(view)).toEqual(expected)
      expect(byRegion.unassigned).toBe(byLine.unassigned)
      expect(byLine.unassignedErrors).toBeGreaterThan(0)
      expect(byRegion.unassignedErrors).toBe(byLine.unassignedErrors)
      expect(expected.some((s) => s.numbers[1] > 0 && s.numbers[2] > 0)).toBe(true)
    })
  }

  it('say they do not fit a buffer too small for them', () => {
    const r = region(lines(300, 5))
    expect(writePartials(r.words, r.count, r.blocks, new Float64Array(100))).toBe(-1)
  })
})
