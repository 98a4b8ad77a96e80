import {describe, expect, it} from 'vitest'
import {ByteKeyMap} from '../../../src/core/sessions/byte-keys.js'
import {seededRand} from '../../helpers/hdfs-like.js'

describe('the byte-keyed map', () => {
  // Keys are looked up inside a larger buffer, as ids are in a read buffer: [a, b) of `line`.
  const inLine = (key: string): [Buffer, number, number] => {
    const line = Buffer.from(`pre ${key} post`)
    return [line, 4, line.length - 5]
  }

  for (const [name, make] of [['grown by doubling', () => new ByteKeyMap<number>()], ['sized up front', () => new ByteKeyMap<number>(50_000, 12)]] as const) {
    it(`answers as a Map does (${name}): get, set, setIfAbsent, keys in order`, () => {
      const rand = seededRand(5)
      const map = make()
      const ref = new Map<string, number>()
      const keys = ['', 'a', 'ab', 'blk_-1', 'blk_1', 'x'.repeat(3000), 'ünï']
      for (let i = 0; i < 30_000; i++) keys.push(`blk_${rand(1 << 20) - (1 << 19)}`)
      for (const [i, key] of keys.entries()) {
        const [buf, a, b] = inLine(key)
        if (i % 2 === 0) {
          expect(map.setIfAbsent(buf, a, b, i)).toBe(ref.get(key))
          if (!ref.has(key)) ref.set(key, i)
        } else if (map.get(buf, a, b) === undefined) {
          expect(ref.has(key)).toBe(false)
          map.set(buf, a, b, i)
          ref.set(key, i)
        }
      }
      expect(map.size).toBe(ref.size)
      for (const [key, value] of ref) expect(map.get(...inLine(key))).toBe(value)
      for (const key of ['blk_', 'b', 'x'.repeat(2999), 'unï']) expect(map.get(...inLine(key))).toBe(ref.get(key))
      const inOrder = Array.from({length: map.size}, (_, e) => [Buffer.from(map.keyBytes(e)).toString(), map.valueAt(e)])
      expect(inOrder).toEqual([...ref])
      // trimmed to its keys, it answers the same and still takes new ones
      map.trim()
      for (const [key, value] of ref) expect(map.get(...inLine(key))).toBe(value)
      for (const key of ['after-trim', 'blk_99999999']) {
        map.set(...inLine(key), -1)
        ref.set(key, -1)
      }
      expect(Array.from({length: map.size}, (_, e) => [Buffer.from(map.keyBytes(e)).toString(), map.valueAt(e)])).toEqual([...ref])
      map.clear()
      expect(map.size).toBe(0)
      expect(map.get(...inLine('blk_1'))).toBeUndefined()
    })

    it(`trimmed when empty, still takes keys (${name})`, () => {
      const map = make()
      map.trim()
      for (let i = 0; i < 5000; i++) map.set(...inLine(`k${i}`), i)
      expect(map.get(...inLine('k4321'))).toBe(4321)
      expect(Buffer.from(map.keyBytes(4999)).toString()).toBe('k4999')
    })
  }
})
