import {describe, expect, it} from 'vitest'
import {blockIdOf, blockKey} from '../../../src/core/sessions/block-ids.js'
import {SessionStore} from '../../../src/core/sessions/store.js'
import {seededRand} from '../../helpers/hdfs-like.js'

const keyOf = (id: string | Buffer): Buffer => {
  const bytes = typeof id === 'string' ? Buffer.from(id, 'latin1') : id
  const out = new Uint8Array(bytes.length + 1)
  return Buffer.from(out.subarray(0, blockKey(bytes, 0, bytes.length, out)))
}

describe('block id keys (blockKey)', () => {
  it('packs blk_ and a signed decimal into nibbles, and reads every id back as it was', () => {
    const rand = seededRand(19)
    const ids = ['blk_0', 'blk_-1', 'blk_007', 'blk_-4723951162006187997', 'blk_472395116200618799700', 'blk_-9223372036854775808']
    for (let i = 0; i < 2000; i++) ids.push(`blk_${rand(2) ? '-' : ''}${String(rand(1e9))}${String(rand(1e9)).slice(0, 1 + rand(9))}`)
    for (const id of ids) {
      const key = keyOf(id)
      expect(key[0], id).toBe(0xff)
      expect(key.length, id).toBe(1 + Math.ceil((id.length - 4) / 2))
      expect(blockIdOf(key), id).toBe(id)
    }
    // distinct ids, distinct keys (leading zeros and signs kept)
    const distinct = [...new Set(ids)]
    expect(new Set(distinct.map((id) => keyOf(id).toString('hex'))).size).toBe(distinct.length)
    expect(keyOf('blk_01').equals(keyOf('blk_1'))).toBe(false)
    expect(keyOf('blk_-1').equals(keyOf('blk_1'))).toBe(false)
  })

  it('keeps any other id as its bytes, and never as the key of a block id', () => {
    const others = ['blk_', 'blk_-', 'blk_12a', 'BLK_12', 'req-42', '', 'blk_1 ', 'x']
    for (const id of others) {
      expect(keyOf(id).toString('latin1'), id).toBe(id)
      expect(blockIdOf(keyOf(id)), id).toBe(id)
    }
    // a label file's id whose bytes are a packed key's gets escaped, so it matches no block
    const packed = keyOf('blk_-12')
    const lookalike = keyOf(packed)
    expect(lookalike[0]).toBe(0xfe)
    expect(lookalike.equals(packed)).toBe(false)
    expect(blockIdOf(lookalike)).toBe(packed.toString('latin1'))
    const escaped = Buffer.from([0xfe, 0x41])
    expect(keyOf(escaped).equals(Buffer.from([0xfe, 0xfe, 0x41]))).toBe(true)
    expect(blockIdOf(keyOf(escaped))).toBe(escaped.toString('latin1'))
  })

  it('a store of block sessions finds labels by id, ids that are not block ids included, and gives its ids back', () => {
    const store = new SessionStore({mode: 'block'})
    const ids = ['blk_5', 'blk_-5', 'blk_05', 'blk_123456789012345678901']
    ids.forEach((id, i) => store.add({lineId: i + 1, sessionKeys: [id], sessionKind: 'block'}, 0))
    const sessions = [...store.finish({keepLookups: true})]
    expect(sessions.map((s) => s.id)).toEqual(ids)
    const sink = store.labelSink()
    sink.add('blk_-5', true)
    sink.add('blk_5', false)
    sink.add('blk_5x', true)
    expect(sink.sessionsLabelled).toBe(2)
    expect([0, 1, 2, 3].map((i) => sink.labelsOf(sessions).at(i))).toEqual([false, true, undefined, undefined])
    expect(sink.get('blk_5x')).toBe(true)
  })
})
