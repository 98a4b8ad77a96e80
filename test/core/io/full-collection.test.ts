import {describe, expect, it} from 'vitest'
import {allowFullCollections, collectFully, fullCollectionsAllowed} from '../../../src/core/io/full-collection.js'

describe('full collections', () => {
  it('once allowed, collectFully() takes what nothing reaches any more (a WeakRef is cleared)', async () => {
    allowFullCollections()
    expect(fullCollectionsAllowed()).toBe(true)
    const ref = (() => new WeakRef({rows: new Float64Array(1 << 16)}))()
    // (a WeakRef's target is kept until the end of the job that made or read it)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(ref.deref()).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 0))
    collectFully()
    expect(ref.deref()).toBeUndefined()
    // Allowing twice changes nothing.
    allowFullCollections()
    expect(fullCollectionsAllowed()).toBe(true)
  })
})
