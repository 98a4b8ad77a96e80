import {describe, expect, it} from 'vitest'
import {LabelTable} from '../../../src/core/evaluate/label-table.js'
import {seededRand} from '../../helpers/hdfs-like.js'

describe('the label table', () => {
  it('answers as a Map of the same rows would, ids of any length and script included', () => {
    const rand = seededRand(11)
    const table = new LabelTable()
    const map = new Map<string, boolean>()
    const ids = ['', 'a', 'blk_-1', 'blk_1', 'blk_10', 'sess-ünï', '日本語-セッション', 'emoji-😀', 'x'.repeat(5000)]
    for (let i = 0; i < 20_000; i++) ids.push(`blk_${rand(1 << 30) - (1 << 29)}`)
    for (const id of ids) {
      if (map.has(id)) continue
      const label = rand(7) === 0
      table.add(id, label)
      map.set(id, label)
    }
    expect(table.size).toBe(map.size)
    for (const id of map.keys()) expect(table.get(id)).toBe(map.get(id))
    for (const id of ['blk_', 'blk_-', 'sess-uni', 'emoji-😁', 'x'.repeat(4999), 'nope']) expect(table.get(id)).toBe(map.get(id))
    // iterates like the Map: ids and labels in the order they were added
    expect([...table]).toEqual([...map])
    expect([...table.entries()].slice(0, 3)).toEqual([...map.entries()].slice(0, 3))
  })
})
