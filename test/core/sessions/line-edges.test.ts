import {describe, expect, it} from 'vitest'
import {LineEdges, silenceSpan} from '../../../src/core/sessions/line-edges.js'

const MIN = 60_000

describe('LineEdges and silenceSpan', () => {
  const edges = new LineEdges(5 * MIN)
  // db (minutes from 0): template 0's lines to 59:19, then from 95:11; template 1 (another component's) at 59:40
  for (const t of [50 * MIN, 59 * MIN + 19_000, 95 * MIN + 11_000, 97 * MIN]) edges.add('db', 0, t)
  edges.add('db', 1, 59 * MIN + 40_000)
  edges.add('web', 0, 59 * MIN + 50_000)

  it('finds a source\'s last line before its quiet windows and its first after, by stream and template', () => {
    expect(silenceSpan(edges, 'db', (t) => t === 0, 60 * MIN, 95 * MIN, 5 * MIN)).toEqual([59 * MIN + 19_000, 95 * MIN + 11_000])
    expect(silenceSpan(edges, 'db', undefined, 60 * MIN, 95 * MIN, 5 * MIN)).toEqual([59 * MIN + 40_000, 95 * MIN + 11_000])
  })

  it('keeps the windows\' own edges where the source has no line in the window next to them', () => {
    // (59:19 is more than a window before 65:00, 95:11 more than one after 85:00)
    expect(silenceSpan(edges, 'db', (t) => t === 0, 65 * MIN, 85 * MIN, 5 * MIN)).toEqual([65 * MIN, 85 * MIN])
    expect(silenceSpan(edges, 'db', (t) => t === 0, 0, 40 * MIN, 5 * MIN)).toEqual([0, 40 * MIN])
    expect(silenceSpan(edges, 'mq', undefined, 60 * MIN, 95 * MIN, 5 * MIN)).toEqual([60 * MIN, 95 * MIN])
  })

  it('forgets old bins', () => {
    edges.prune(60 * MIN)
    expect(edges.last('db', undefined, 0, 60 * MIN)).toBeUndefined()
    expect(edges.first('db', undefined, 95 * MIN, 100 * MIN)).toBe(95 * MIN + 11_000)
  })
})
