import {describe, expect, it} from 'vitest'

import {isFlareError} from '../../../src/core/errors.js'
import {DrainTree, Cluster, TemplateMiner, similarity} from '../../../src/core/templates/index.js'
import {parseTemplateState} from '../../../src/core/templates/state-schema.js'

describe('TemplateMiner', () => {
  it('puts wildcards where tokens vary and reports new / updated / none', () => {
    const m = new TemplateMiner()
    const a = m.add('session opened for alice from console')
    expect(a).toMatchObject({templateId: 'T1', template: 'session opened for alice from console', change: 'new'})
    const b = m.add('session opened for bob from console')
    expect(b).toMatchObject({templateId: 'T1', template: 'session opened for <*> from console', change: 'updated'})
    const c = m.add('session opened for carol from console')
    expect(c).toMatchObject({templateId: 'T1', change: 'none'})
    const d = m.add('disk quota exceeded on volume home')
    expect(d).toMatchObject({templateId: 'T2', change: 'new'})
    expect(m.templates()).toEqual([
      {id: 'T1', template: 'session opened for <*> from console', count: 3},
      {id: 'T2', template: 'disk quota exceeded on volume home', count: 1},
    ])
  })

  it('masks numbers before mining, so numeric variation needs no update', () => {
    const m = new TemplateMiner()
    expect(m.add('PacketResponder 1 for block blk_38865049064139660 terminating')).toMatchObject({
      template: 'PacketResponder <*> for block <*> terminating',
      change: 'new',
    })
    expect(m.add('PacketResponder 2 for block blk_-6952295868487656571 terminating').change).toBe('none')
  })

  it('extracts typed parameters, from add() when asked and from extractParams()', () => {
    const m = new TemplateMiner({extractParams: true})
    m.add('Received block blk_-16 of size 67108864 from /10.251.42.84')
    const r = m.add('Received block blk_77 of size 3545 from /10.250.11.100')
    expect(r.params).toEqual([
      {value: 'blk_77', type: 'block'},
      {value: '3545', type: 'number'},
      {value: '/10.250.11.100', type: 'ip'},
    ])
    m.add('login of alice accepted')
    const t = m.add('login of bob accepted')
    expect(t.template).toBe('login of <*> accepted')
    expect(m.extractParams('login of carol accepted', t.templateId)).toEqual([{value: 'carol', type: 'other'}])
    expect(m.extractParams('login of carol accepted', 'T999')).toBeNull()
    expect(m.extractParams('something else entirely here', t.templateId)).toBeNull()
  })

  it('match() finds the template without changing state', () => {
    const m = new TemplateMiner()
    m.add('Deleting block blk_1 file /data/1')
    const before = JSON.stringify(m.toJSON())
    expect(m.match('Deleting block blk_2 file /data/2')).toEqual({templateId: 'T1', template: 'Deleting block <*> file <*>'})
    expect(m.match('a line never seen before')).toBeNull()
    expect(JSON.stringify(m.toJSON())).toBe(before)
  })

  it('joins clusters that differ only by optional parameters under one id', () => {
    const m = new TemplateMiner()
    const a = m.add('host:80 close, 785 bytes sent, 145 bytes received, lifetime 00:01')
    const b = m.add('host:80 close, 2034 bytes (1.98 KB) sent, 4206 bytes (4.10 KB) received, lifetime 00:39')
    expect(b.templateId).toBe(a.templateId)
    expect(m.size).toBe(1)
    expect(m.clusterCount).toBe(2)
  })

  it('round-trips state: same ids, later runs only add new ids', () => {
    const m = new TemplateMiner()
    m.add('Verification succeeded for blk_1')
    m.add('Receiving block blk_2 src: /10.0.0.1:5 dest: /10.0.0.2:6')
    m.add('Deleting block blk_3 file /x/y')
    const state = JSON.parse(JSON.stringify(m.toJSON()))
    expect(state.version).toBe(1)

    const loaded = TemplateMiner.fromJSON(parseTemplateState(state))
    expect(loaded.templates()).toEqual(m.templates())
    expect(loaded.add('Verification succeeded for blk_99')).toMatchObject({templateId: 'T1', change: 'none'})
    expect(loaded.add('Deleting block blk_4 file /z')).toMatchObject({templateId: 'T3', change: 'none'})
    expect(loaded.add('BLOCK* NameSystem.allocateBlock: /a/b blk_5')).toMatchObject({templateId: 'T4', change: 'new'})
    expect(loaded.templates().map((t) => t.id)).toEqual(['T1', 'T2', 'T3', 'T4'])
    expect(loaded.templates()[0].count).toBe(2)
  })

  it('never reuses an id, also after eviction and reload', () => {
    const m = new TemplateMiner({drain: {maxClusters: 2}})
    m.add('alpha event one happened')
    m.add('beta thing two occurred today')
    m.add('gamma stuff three')
    const reloaded = TemplateMiner.fromJSON(JSON.parse(JSON.stringify(m.toJSON())))
    expect(reloaded.add('alpha event one happened')).toMatchObject({templateId: 'T4', change: 'new'})
  })

  it('evicts the least recently used template at the cap', () => {
    const m = new TemplateMiner({drain: {maxClusters: 3}})
    m.add('alpha event one happened')
    m.add('beta thing two occurred today')
    m.add('gamma stuff three')
    m.add('alpha event one happened') // touch T1: T2 is now least recently used
    m.add('delta matter four is here now ok')
    expect(m.size).toBe(3)
    expect(m.templates().map((t) => t.id)).toEqual(['T1', 'T3', 'T4'])
    for (let i = 0; i < 50; i++) m.add(`word${'x'.repeat(i)} y z`)
    expect(m.size).toBe(3)
    expect(m.clusterCount).toBe(3)
  })

  it('rejects state that is not valid with a FlareError', () => {
    expect(() => TemplateMiner.fromJSON(parseTemplateState({version: 99}))).toThrow(/version 99/)
    try {
      TemplateMiner.fromJSON(parseTemplateState({version: 1, nextId: 1, clusters: 'nope'}))
      expect.unreachable()
    } catch (error) {
      expect(isFlareError(error)).toBe(true)
    }
  })
})

describe('Drain tree', () => {
  it('similarity counts exact non-wildcard matches over the length', () => {
    expect(similarity(['a', '<*>', 'c', 'd'], ['a', 'x', 'c', 'e'])).toBe(0.5)
    expect(similarity([], [])).toBe(1)
  })

  it('routes on the leading tokens, as Drain does: a varying first word splits templates', () => {
    const m = new TemplateMiner()
    expect(m.add('user alice logged in').templateId).not.toBe(m.add('user bob logged in').templateId)
  })

  it('routes lines of different lengths apart and respects the threshold', () => {
    const tree = new DrainTree({simThreshold: 0.5})
    const c = new Cluster('T1', ['open', 'file', 'a', 'now'], 1)
    tree.insert(c)
    expect(tree.search(['open', 'file', 'b', 'now'])).toBe(c)
    expect(tree.search(['open', 'file', 'b', 'now', 'x'])).toBeNull()
    expect(tree.search(['open', 'file', 'x', 'y'])).toBe(c) // 2/4 = 0.5
    expect(tree.search(['open', 'dir', 'x', 'y'])).toBeNull()
  })

  it('sends new tokens down the wildcard branch once a node is full', () => {
    const tree = new DrainTree({maxChildren: 3, simThreshold: 0.9})
    for (const w of ['a', 'b', 'c', 'd', 'e']) tree.insert(new Cluster(`T${w}`, [w, 'x'], 1))
    expect(tree.search(['a', 'x'])?.templateId).toBe('Ta')
    // d and e had no room for their own branch: they share the wildcard one and stay distinct clusters.
    expect(tree.search(['e', 'x'])?.templateId).toBe('Te')
    expect(tree.size).toBe(5)
  })
})
