import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {LiveLine} from '../../../src/core/stream/contracts.js'
import {LiveEngine, type ScoredSession} from '../../../src/core/stream/engine.js'

/**
 * An HDFS-like log where every block ends with the same line ("Deleting block"), 40 blocks (the
 * rule wants a template in at least 20 training sessions). data/hdfs_sample.log has no template
 * that rule accepts: its bundle records an empty list, checked below.
 */
function blocks(n: number, first = 0): string[] {
  const lines: string[] = []
  let t = 0
  const ts = (): string => {
    const s = 203500 + Math.floor(t / 60) * 100 + (t % 60)
    t += 7
    return `081109 ${String(s).padStart(6, '0')}`
  }
  for (let b = first; b < first + n; b++) {
    const blk = `blk_${1000 + b * 7919}`
    const ip = `10.251.123.${b % 200}`
    lines.push(`${ts()} 109 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/part-${b}. ${blk}`)
    lines.push(`${ts()} 93 INFO dfs.DataNode$DataXceiver: Receiving block ${blk} src: /${ip}:50645 dest: /10.251.123.93:50010`)
    lines.push(`${ts()} 150 INFO dfs.DataNode$PacketResponder: Received block ${blk} of size 67108864 from /${ip}`)
    lines.push(`${ts()} 30 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: ${ip}:50010 is added to ${blk} size 67108864`)
    lines.push(`${ts()} 19 INFO dfs.FSDataset: Deleting block ${blk} file /mnt/hadoop/dfs/data/current/subdir${b % 60}/${blk}`)
  }
  return lines
}

const live = (texts: string[]): LiveLine[] => texts.map((text) => ({text, source: 'x', arrivedAt: Number.NaN}))

let dir: string
let saved: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-terminal-'))
  await writeFile(join(dir, 'blocks.log'), blocks(40).join('\n') + '\n')
  saved = join(dir, 'model')
  await saveBundle(saved, (await detect({input: join(dir, 'blocks.log')})).bundle)
})
afterAll(() => rm(dir, {recursive: true, force: true}))

/** Lines of one new block but its last one, then its last one; the engine's counters after each. */
function scoreOneBlock(model: ModelBundle): {before: number; after: number; scored: ScoredSession[]; atEnd: number} {
  const scored: ScoredSession[] = []
  let engine: LiveEngine | undefined
  // A long idle timeout: only the terminal template can close the block before the end.
  engine = new LiveEngine({model, idleMs: 10 * 3_600_000, clock: () => engine!.eventTime, onScored: (s) => scored.push(s)})
  const lines = blocks(1, 500)
  engine.ingest(live(lines.slice(0, -1)))
  const before = engine.stats().sessions.closed.terminal
  // The line after the terminal one (a new block) ends the record the parser holds.
  engine.ingest(live([lines.at(-1)!, blocks(1, 501)[0]]))
  const after = engine.stats().sessions.closed.terminal
  engine.finish()
  return {before, after, scored, atEnd: engine.stats().sessions.closed.end}
}

describe('terminal templates in a saved model', () => {
  it('detect --save-model records the template that ends every block, and loading keeps it', async () => {
    const model = await loadBundle(saved)
    const deleting = model.miner.templates().find((t) => t.template.includes('Deleting block'))
    expect(deleting).toBeDefined()
    expect(model.manifest.terminal_templates).toEqual([deleting!.id])
    const manifest = JSON.parse(await readFile(join(saved, 'bundle.json'), 'utf8')) as {terminal_templates?: string[]}
    expect(manifest.terminal_templates).toEqual([deleting!.id])
  })

  it('data/hdfs_sample.log has none by the rule: the bundle says so with an empty list', async () => {
    const fitted = await detect({input: 'data/hdfs_sample.log'})
    expect(fitted.bundle.manifest.session_key).toBe('block')
    expect(fitted.bundle.manifest.terminal_templates).toEqual([])
  })

  it('a live engine scoring with the loaded model closes a block at its terminal template, before the idle timeout', async () => {
    const {before, after, scored, atEnd} = scoreOneBlock(await loadBundle(saved))
    expect(before).toBe(0)
    expect(after).toBe(1)
    expect(scored[0]).toMatchObject({id: 'blk_3960500', reason: 'terminal', events: 5})
    // The block that followed had only its first line: it closed at the end of the stream.
    expect(atEnd).toBe(1)
  })

  it('an older bundle without terminal_templates loads and closes nothing early', async () => {
    const old = join(dir, 'old-model')
    await saveBundle(old, await loadBundle(saved))
    const manifest = JSON.parse(await readFile(join(old, 'bundle.json'), 'utf8')) as Record<string, unknown>
    delete manifest.terminal_templates
    await writeFile(join(old, 'bundle.json'), JSON.stringify(manifest))
    const model = await loadBundle(old)
    expect(model.manifest.terminal_templates).toBeUndefined()
    const {after, scored} = scoreOneBlock(model)
    expect(after).toBe(0)
    expect(scored.map((s) => s.reason)).toEqual(['end', 'end'])
  })

  it('a model trained on the stream (--train-for) records them the same way and closes on them', () => {
    let trained: ModelBundle | undefined
    const scored: ScoredSession[] = []
    let engine: LiveEngine | undefined
    engine = new LiveEngine({trainFor: {records: 200}, idleMs: 10 * 3_600_000, clock: () => engine!.eventTime, onTrained: (b) => (trained = b), onScored: (s) => scored.push(s)})
    engine.ingest(live([...blocks(40), ...blocks(2, 600)]))
    engine.finish()
    const deleting = trained!.miner.templates().find((t) => t.template.includes('Deleting block'))
    expect(trained!.manifest.terminal_templates).toEqual([deleting!.id])
    expect(engine.stats().sessions.closed.terminal).toBe(2)
    expect(scored.map((s) => s.reason)).toEqual(['terminal', 'terminal'])
  })
})
