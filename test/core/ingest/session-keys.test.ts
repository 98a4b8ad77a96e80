import {describe, expect, it} from 'vitest'
import {blockIds, findSessionKeys, requestIds} from '../../../src/core/ingest/index.js'

describe('session keys', () => {
  it('finds HDFS block ids, signed, distinct, in order', () => {
    expect(blockIds('Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106')).toEqual(['blk_-1608999687919862906'])
    expect(blockIds('blk_3 and blk_1, again blk_3; blk_x is not one')).toEqual(['blk_3', 'blk_1'])
    expect(blockIds('no blocks here')).toBeNull()
    expect(findSessionKeys('delete blk_1 blk_2')).toEqual({keys: ['blk_1', 'blk_2'], kind: 'block'})
  })

  it('finds OpenStack req-<uuid> and bare UUIDs', () => {
    const line = '[req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 - - -] [instance: 7E7CC42F-3cb9-4d91-804c-f5a32d54f1c5] VM Resumed'
    expect(requestIds(line)).toEqual(['req-38101a0b-2096-447d-96ea-a692162415ae', '7e7cc42f-3cb9-4d91-804c-f5a32d54f1c5'])
  })

  it.each([
    ['GET /api 200 request_id=abc-123-def', ['abc-123-def']],
    ['handled requestId: 9f8e7d6c', ['9f8e7d6c']],
    ['X-Request-ID: 5d41402abc4b2a76 forwarded', ['5d41402abc4b2a76']],
    ['{"traceId":"4bf92f3577b34da6","spanId":"00f067aa0ba902b7"}', ['4bf92f3577b34da6']],
    ['trace_id=aaaa1111 span_id=bbbb2222', ['aaaa1111']],
    ['span_id=bbbb2222 only', ['bbbb2222']],
    ['login ok session_id=s-77a1b2', ['s-77a1b2']],
    ['req=r-42x served', ['r-42x']],
  ])('%s', (text, keys) => {
    expect(findSessionKeys(text)).toEqual({keys, kind: 'request'})
  })

  it('ignores look-alikes', () => {
    expect(findSessionKeys('frequency=50Hz required=yes')).toBeNull()
    expect(findSessionKeys('id=5 request handled in 3ms')).toBeNull()
    expect(findSessionKeys('x38101a0b-2096-447d-96ea-a692162415ae')).toBeNull()
  })

  it('prefers block ids over request ids', () => {
    expect(findSessionKeys('blk_9 request_id=abcd1234')?.kind).toBe('block')
  })
})
