import {spawnSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, saveBundle, type ModelBundle} from '../../../src/core/model-bundle.js'
import {detect} from '../../../src/core/pipeline.js'
import type {IncidentEvent} from '../../../src/core/stream/contracts.js'
import {LiveEngine} from '../../../src/core/stream/engine.js'
import {replayFile} from '../../../src/core/stream/replay.js'
import {repoRoot} from '../../helpers/cli.js'

// A model fitted on windows split by host records the split; live scoring with the default
// `--by auto` uses it from the first line instead of holding a 2,000-record sample to re-decide.

let dir: string
let log: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-window-split-'))
  log = join(dir, 'incidents.log')
  for (const [out, args] of [
    [join(dir, 'clean.log'), ['--seed', '2', '--incidents', '0', '--start', '2026-09-10']],
    [log, ['--seed', '4', '--incidents', '2', '--start', '2026-09-11']],
  ] as const) {
    const made = spawnSync(process.execPath, ['data/generate-multihost.mjs', ...args, '--hours', '4', '--hosts', '4', '--out', out, '--truth', `${out}.json`], {cwd: repoRoot, encoding: 'utf8'})
    expect(made.status, made.stderr).toBe(0)
  }
  const fitted = await detect({input: join(dir, 'clean.log'), by: ['host']})
  await saveBundle(join(dir, 'model'), fitted.bundle)
}, 120_000)
afterAll(() => rm(dir, {recursive: true, force: true}))

async function replay(model: ModelBundle, by: 'auto' | ['host']): Promise<{events: IncidentEvent[]; phaseAfter100: string}> {
  let engine: LiveEngine | undefined
  engine = new LiveEngine({model, by, clock: () => engine!.eventTime})
  const events: IncidentEvent[] = []
  let phaseAfter100 = ''
  await replayFile({input: log, pace: {kind: 'max'}, chunk: 100, deliver: (lines) => {
    events.push(...engine!.ingest(lines))
    phaseAfter100 ||= engine!.stats().phase
  }})
  events.push(...engine.finish())
  return {events, phaseAfter100}
}

const firstSeen = (events: IncidentEvent[]) => events.filter((e) => e.kind === 'opened').map((e) => [e.incident.firstSeen, e.incident.title])

describe('live scoring with a model fitted on per-host windows', () => {
  it('splits as the model was fitted from the first line with --by auto, and raises what --by host raises', async () => {
    const model = await loadBundle(join(dir, 'model'))
    expect(model.manifest.window_by).toEqual(['host'])
    const auto = await replay(model, 'auto')
    const host = await replay(await loadBundle(join(dir, 'model')), ['host'])
    expect(auto.phaseAfter100).toBe('scoring')
    expect(firstSeen(host.events).length).toBeGreaterThan(0)
    expect(firstSeen(auto.events)).toEqual(firstSeen(host.events))
  }, 120_000)

  it('a model that does not record its split (an older one) still decides from a sample', async () => {
    const model = await loadBundle(join(dir, 'model'))
    const {window_by: _split, ...older} = model.manifest
    const auto = await replay({...model, manifest: older}, 'auto')
    expect(auto.phaseAfter100).toBe('resolving')
  }, 120_000)
})
