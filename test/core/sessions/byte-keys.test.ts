import {describe, expect, it} from 'vitest'
import {ByteKeyMap, ByteKeys} from '../../../src/core/sessions/byte-keys.js'
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

  it('numbers its keys in the order they came, as a Map of key → entry would; keys() reads them back as text', () => {
    const rand = seededRand(9)
    const keys = new ByteKeys()
    const ref = new Map<string, number>()
    for (let i = 0; i < 40_000; i++) {
      const key = i % 7 === 0 ? `blk_${rand(1 << 12)}` : `blk_-${rand(1 << 30)}${i % 100}`
      const [buf, a, b] = inLine(key)
      const size = keys.size
      if (i % 3 === 0) {
        const e = keys.entryOrAdd(buf, a, b)
        expect(e).toBe(ref.get(key) ?? size)
      } else {
        const e = keys.entryOf(buf, a, b)
        expect(e).toBe(ref.get(key) ?? -1)
        if (e < 0) expect(keys.add(buf, a, b)).toBe(size)
      }
      if (!ref.has(key)) ref.set(key, size)
      expect(keys.size).toBe(ref.size)
    }
    // past several doublings of the slots (three in four used at most): every key still found
    expect(keys.probeStats().load).toBeLessThanOrEqual(0.75)
    for (const [key, e] of ref) expect(keys.entryOf(...inLine(key))).toBe(e)
    const text = keys.keys()
    expect(text.size).toBe(ref.size)
    expect(Array.from({length: text.size}, (_, e) => text.at(e))).toEqual([...ref.keys()])
    // more keys leave the handed-out ones as they were; clearing would rewrite them, and is refused
    keys.add(...inLine('blk_after'))
    expect(text.at(0)).toBe([...ref.keys()][0])
    expect(() => keys.clear()).toThrow(/keys\(\)/)
  })

  it('compares every byte: keys one byte apart at any place are told apart', () => {
    const map = new ByteKeyMap<string>()
    const keys: string[] = []
    for (let n = 1; n <= 13; n++) {
      const base = 'k'.repeat(n)
      keys.push(base)
      for (let j = 0; j < n; j++) keys.push(base.slice(0, j) + 'K' + base.slice(j + 1))
    }
    for (const key of keys) expect(map.setIfAbsent(...inLine(key), key)).toBeUndefined()
    for (const key of keys) expect(map.get(...inLine(key))).toBe(key)
    expect(map.size).toBe(keys.length)
  })

  // A weak hash still answers right, only slowly: this is what catches one.
  const shapes: Array<[string, (i: number) => string]> = [
    ['sequential request ids', (i) => `req-${String(i).padStart(7, '0')}`],
    ['IPv4 addresses', (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    ['HDFS block ids', (i) => `blk_-${1_000_000_007 * i + 12_345}`],
    ['hex trace ids', (i) => (Math.imul(i, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0') + (i * 7).toString(16).padStart(8, '0')],
    ['host:pid', (i) => `host${i % 50}:${i}`],
  ]
  for (const [name, make] of shapes) {
    it(`spreads ${name} as well as a random hash would`, () => {
      const map = new ByteKeyMap<number>()
      for (let i = 0; i < 100_000; i++) map.set(...inLine(make(i)), i)
      const {load, meanProbes} = map.probeStats()
      expect(load).toBeGreaterThan(0.1)
      expect(meanProbes).toBeLessThan(1.05 * 0.5 * (1 + 1 / (1 - load)))
    })
  }
})
