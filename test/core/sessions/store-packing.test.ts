import {describe, expect, it} from 'vitest'
import {LineBatch} from '../../../src/core/mining/line-batch.js'
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
      packedWhileReading = Math.max(packedWhileReading, byBatch.all.filter((s) => s.isPacked).length)
    }
    const expected = byRecord.finish().map(view)
    const got = byBatch.finish()
    expect(packedWhileReading).toBeGreaterThan(100)
    expect(got.every((s) => s.isPacked)).toBe(true)
    expect(got.map(view)).toEqual(expected)
    expect(byBatch.unassigned).toBe(byRecord.unassigned)
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
})
