import {describe, expect, it} from 'vitest'
import {classWords, GrowArena} from '../../../src/core/sessions/grow-arena.js'
import {SessionLists} from '../../../src/core/sessions/lists.js'
import {packSessions} from '../../../src/core/sessions/packing.js'
import {Session, SessionSlots} from '../../../src/core/sessions/session.js'
import {seededRand} from '../../helpers/hdfs-like.js'

describe('GrowArena', () => {
  it('keeps every list intact while lists grow past their blocks, move, and give theirs back', () => {
    const rand = seededRand(11)
    const arena = new GrowArena(6)
    const lists = Array.from({length: 40}, () => ({at: -1, words: [] as number[]}))
    for (let step = 0; step < 20_000; step++) {
      const list = lists[rand(lists.length)]
      if (rand(50) === 0) {
        arena.give(list.at, list.words.length)
        list.at = -1
        list.words = []
        continue
      }
      const more = 1 + rand(3)
      list.at = arena.room(list.at, list.words.length, more)
      for (let k = 0; k < more; k++) {
        const value = step * 4 + k
        arena.data[list.at + list.words.length] = value
        list.words.push(value)
      }
      if (step % 997 === 0) for (const l of lists) expect(Array.from(arena.data.subarray(l.at, l.at + l.words.length))).toEqual(l.words)
    }
    for (const l of lists) expect(Array.from(arena.data.subarray(l.at, l.at + l.words.length))).toEqual(l.words)
  })

  it('reuses the blocks given back: lists made again in turn take no new room', () => {
    const arena = new GrowArena()
    const grow = (target: GrowArena, n: number): number => {
      let at = -1
      for (let len = 0; len < n; len += 3) at = target.room(at, len, 3)
      return at
    }
    const kept = grow(arena, 3)
    for (let round = 0; round < 5; round++) {
      const blocks = Array.from({length: 100}, (_, i) => [grow(arena, 3 + 3 * (i % 20)), 3 + 3 * (i % 20)])
      for (const [at, len] of blocks) arena.give(at, len)
    }
    const once = new GrowArena()
    grow(once, 3)
    for (let i = 0; i < 100; i++) grow(once, 3 + 3 * (i % 20))
    // five rounds of the same lists take what one round takes, less what its moves left free
    expect(arena.size).toBeLessThanOrEqual(once.size)
    expect(arena.size).toBeGreaterThan(100)
    // the last list given back: the room itself goes
    arena.give(kept, 3)
    expect(arena.size).toBe(0)
    expect(arena.data.length).toBeLessThan(100)
    expect(arena.room(-1, 0, 3)).toBe(0)
  })
})

/** A session's templates and transitions as their definition says, from its events. */
function reference(events: Array<[template: number, line: number]>) {
  const templates: number[] = []
  const transitions: number[] = []
  let prev = -1
  for (const [t, line] of events) {
    const k = templates.findIndex((x, i) => i % 3 === 0 && x === t)
    if (k >= 0) templates[k + 1]++
    else templates.push(t, 1, line)
    if (prev >= 0) {
      const key = prev * 1_048_576 + t
      const j = transitions.findIndex((x, i) => i % 2 === 0 && x === key)
      if (j >= 0) transitions[j + 1]++
      else transitions.push(key, 1)
    }
    prev = t
  }
  return {templates, transitions}
}

describe('growing sessions in the arena', () => {
  it('give the templates and transitions of their definition, packed and touched again any number of times', () => {
    const rand = seededRand(5)
    const slots = new SessionSlots(16)
    const sessions = Array.from({length: 60}, (_, i) => new Session(`s${i}`, i, slots))
    const events: Array<Array<[number, number]>> = sessions.map(() => [])
    for (let line = 1; line <= 12_000; line++) {
      const k = rand(sessions.length)
      // up to 70 templates: lists pass several block sizes; keys past 2^31 among the transitions
      const template = k % 3 === 0 ? 2000 + rand(70) : rand(8)
      sessions[k].add(template, line, 'INFO', undefined)
      events[k].push([template, line])
      if (line % 1500 === 0) packSessions(sessions.filter(() => rand(2) === 0))
    }
    // one SessionLists for every session, as a pass over sessions reads them: long lists, then short ones
    const lists = new SessionLists()
    const check = (): void => {
      for (const k of [...sessions.keys()].sort((a, b) => events[b].length - events[a].length || a - b)) {
        const want = reference(events[k])
        expect(sessions[k].templates).toEqual(want.templates)
        expect(Array.from(sessions[k].transitions)).toEqual(want.transitions)
        expect(sessions[k].count(want.templates[0])).toBe(want.templates[1])
        sessions[k].readLists(lists)
        expect(Array.from(lists.templates.subarray(0, lists.templateWords))).toEqual(want.templates)
        expect(Array.from(lists.transitions.subarray(0, lists.transitionWords))).toEqual(want.transitions)
        sessions[k].readLists(lists, false)
        expect(lists.templateWords).toBe(want.templates.length)
      }
    }
    check()
    expect(sessions.some((s) => s.isPacked) && sessions.some((s) => !s.isPacked)).toBe(true)
    packSessions(sessions)
    check()
  })
})

describe('sessions made alone sharing one arena (a live stream\'s)', () => {
  it('give their room back when released, and it serves the sessions after them', () => {
    const rand = seededRand(9)
    const arena = new GrowArena()
    const open: Session[] = []
    let largest = 0
    for (let i = 0; i < 3000; i++) {
      const s = new Session(`s${i}`, i, new SessionSlots(1, arena))
      for (let e = 0; e < 40; e++) s.add(rand(25), 100 * i + e, 'INFO', undefined)
      open.push(s)
      if (open.length > 50) open.shift()!.releaseLists()
      if (i === 500) largest = arena.size
    }
    // 50 open sessions at a time: the room of the first 500 sessions serves (give or take how the
    // blocks fall) the 2,500 after them; kept, their blocks would take six times as much
    expect(arena.size).toBeLessThan(1.5 * largest)
    const gone = new Session('gone', 0, new SessionSlots(1, arena))
    gone.add(3, 1, 'INFO', undefined)
    gone.add(4, 2, 'INFO', undefined)
    gone.releaseLists()
    expect(gone.templates).toEqual([])
    expect(Array.from(gone.transitions)).toEqual([])
    expect(open.at(-1)!.templateCount).toBeGreaterThan(10)
  })

  it('sizes blocks in steps of a half or a third: 6, 12, 18, 24, 36, 48, ...', () => {
    expect(Array.from({length: 10}, (_, c) => classWords(c))).toEqual([6, 12, 18, 24, 36, 48, 72, 96, 144, 192])
  })
})
