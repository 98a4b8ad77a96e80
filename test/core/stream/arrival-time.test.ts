import {describe, expect, it} from 'vitest'
import type {LiveLine} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'

describe('lines without a timestamp', () => {
  it('run on arrival time: a session closes idle when lines arrive again after a quiet hour, not before', () => {
    const engine = new LiveEngine({trainFor: {records: 400}, idleMs: 60_000})
    const line = (text: string, at: number): LiveLine => ({text, source: 'stdin', arrivedAt: at})
    // Block sessions of three steps in a rotating order (so no step is a terminal template that
    // closes them), no timestamps in the text, 10 ms of arrival apart.
    const steps = ['open', 'write', 'sync']
    const first: LiveLine[] = []
    let at = 1_700_000_000_000
    for (let b = 0; b < 600; b++) for (let k = 0; k < 3; k++) first.push(line(`worker: ${steps[(b + k) % 3]} block blk_${1000 + b} ok`, (at += 10)))
    engine.ingest(first)
    const before = engine.stats()
    expect(before.phase).toBe('scoring')
    // Event time is the arrival time of the newest line taken (the last one is held: it may continue).
    expect(engine.eventTime).toBe(at - 10)
    // Arrival gaps of 10 ms never reach the 60 s idle limit: nothing closed idle while they came.
    expect(before.sessions.closed.idle).toBe(0)
    const open = before.openSessions
    expect(open).toBeGreaterThan(100)
    // An hour of silence, then two lines: every session open before is now idle.
    const hourLater = at + 3_600_000
    engine.ingest([line('worker: open block blk_9000 ok', hourLater), line('worker: write block blk_9000 ok', hourLater + 10)])
    expect(engine.eventTime).toBe(hourLater)
    expect(engine.stats().sessions.closed.idle).toBe(open)
  })
})
