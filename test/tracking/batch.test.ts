import {describe, expect, it} from 'vitest'
import {type BatchChunk, chunkBatch, logBatchLimits, maxTagValueLength} from '../../src/tracking/batch.js'

function sizes(chunks: BatchChunk[]) {
  return chunks.map((c) => [c.metrics.length, c.params.length, c.tags.length])
}

function checkLimits(chunks: BatchChunk[]) {
  for (const c of chunks) {
    expect(c.metrics.length).toBeLessThanOrEqual(logBatchLimits.metrics)
    expect(c.params.length).toBeLessThanOrEqual(logBatchLimits.params)
    expect(c.tags.length).toBeLessThanOrEqual(logBatchLimits.tags)
    expect(c.metrics.length + c.params.length + c.tags.length).toBeLessThanOrEqual(logBatchLimits.total)
    expect(Buffer.byteLength(JSON.stringify({run_id: 'x'.repeat(32), ...c}))).toBeLessThan(1_000_000)
  }
}

describe('chunkBatch', () => {
  it('sends nothing for an empty batch', () => {
    expect(chunkBatch({})).toEqual([])
  })

  it('splits metrics at 1000 per call', () => {
    const metrics = Array.from({length: 2500}, (_, i) => ({key: 'm', value: i, step: i}))
    const chunks = chunkBatch({metrics}, logBatchLimits, 5)
    expect(sizes(chunks)).toEqual([[1000, 0, 0], [1000, 0, 0], [500, 0, 0]])
    expect(chunks.flatMap((c) => c.metrics.map((m) => m.value))).toEqual(metrics.map((m) => m.value))
    expect(chunks[0]?.metrics[0]).toEqual({key: 'm', value: 0, step: 0, timestamp: 5})
  })

  it('keeps params and tags at 100 each and the total at 1000', () => {
    const metrics = Array.from({length: 1500}, (_, i) => ({key: `m${i}`, value: 1}))
    const params = Object.fromEntries(Array.from({length: 250}, (_, i) => [`p${i}`, i]))
    const tags = Array.from({length: 120}, (_, i) => ({key: `t${i}`, value: 'x'}))
    const chunks = chunkBatch({metrics, params, tags})
    expect(sizes(chunks)).toEqual([[800, 100, 100], [700, 100, 20], [0, 50, 0]])
    checkLimits(chunks)
    expect(chunks.flatMap((c) => c.params).map((p) => p.key)).toEqual(Object.keys(params))
    expect(chunks[0]?.params[3]).toEqual({key: 'p3', value: '3'})
  })

  it('stays under the 1 MB request cap with long values', () => {
    const params = Object.fromEntries(Array.from({length: 100}, (_, i) => [`p${i}`, 'v'.repeat(6000)]))
    const tags = Object.fromEntries(Array.from({length: 100}, (_, i) => [`t${i}`, 't'.repeat(8000)]))
    const chunks = chunkBatch({params, tags})
    expect(chunks.length).toBeGreaterThan(1)
    checkLimits(chunks)
    expect(chunks.reduce((n, c) => n + c.params.length + c.tags.length, 0)).toBe(200)
  })

  it('encodes non-finite metric values as protobuf JSON strings and cuts long tags', () => {
    const [chunk] = chunkBatch({
      metrics: [
        {key: 'a', value: Number.NaN},
        {key: 'b', value: Number.POSITIVE_INFINITY},
        {key: 'c', value: Number.NEGATIVE_INFINITY},
      ],
      tags: {note: 'n'.repeat(maxTagValueLength + 10)},
    })
    expect(chunk?.metrics.map((m) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity'])
    expect(chunk?.tags[0]?.value).toHaveLength(maxTagValueLength)
  })
})
