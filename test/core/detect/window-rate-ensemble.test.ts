import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Ensemble} from '../../../src/core/detect/ensemble.js'
import type {WindowRate} from '../../../src/core/detect/window-rate.js'
import type {FeatureMatrix} from '../../../src/core/features/matrix.js'
import {detect} from '../../../src/core/pipeline.js'
import {expandGrid, runSweep, type SweepChild} from '../../../src/core/sweep.js'
import {fleetLogWithLabels} from '../../helpers/fleet-labels.js'

/**
 * An ensemble's window-rate member is told its rows' streams and windows and its columns'
 * templates (pipeline.ts giveContext), as a top-level window-rate is: without them it read the
 * windows of every host as one stream numbered in order (on a generated 24-hour, 4-host log,
 * ensemble(window-rate) had F1 0.765 where -d window-rate has 0.911).
 */
describe('an ensemble with a window-rate member (a multi-host syslog, no session ids)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-window-ensemble-'))
  let log = ''
  let labels = ''
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
  beforeAll(async () => {
    ;({log, labels} = await fleetLogWithLabels(dir))
  })

  it('in detect, the member scores the windows as -d window-rate does: same scores, same episodes', async () => {
    const single = await detect({input: log, detector: 'window-rate'})
    const both = await detect({input: log, detector: 'ensemble', detectorParams: {members: 'window-rate,rare-template'}})
    const standalone = single.bundle.detector as WindowRate
    const member = (both.bundle.detector as Ensemble).detectors[0] as WindowRate
    expect(member.name).toBe('window-rate')
    expect(standalone.episodes().length).toBeGreaterThan(0)
    expect(member.episodes()).toEqual(standalone.episodes())
    // the member's scores of the windows, as the ensemble scores them
    const seen: Float64Array[] = []
    const score = member.score.bind(member)
    member.score = (X) => {
      const s = score(X)
      seen.push(s)
      return s
    }
    both.bundle.detector.score(both.rows as FeatureMatrix)
    expect(seen).toHaveLength(1)
    expect(Array.from(seen[0])).toEqual(Array.from(single.scores))
    // alone in an ensemble, it flags what window-rate flags
    const alone = await detect({input: log, labelsPath: labels, detector: 'ensemble', detectorParams: {members: 'window-rate'}})
    const windowRate = await detect({input: log, labelsPath: labels, detector: 'window-rate'})
    expect(Array.from(alone.predicted)).toEqual(Array.from(windowRate.predicted))
    expect(alone.results.evaluation).toEqual(windowRate.results.evaluation)
  })

  it('in model sweep, the ensemble child\'s member is the window-rate child\'s (same episodes, same F1 alone)', async () => {
    const members: Record<string, WindowRate> = {}
    const result = await runSweep({
      input: log,
      labelsPath: labels,
      candidates: expandGrid(['window-rate', 'ensemble'], {ensemble: {members: ['window-rate', 'window-rate,rare-template']}}),
      onChild: (child: SweepChild) => {
        const d = child.bundle!.detector
        members[child.detector === 'ensemble' ? String(child.overrides.members) : 'standalone'] = (d.name === 'ensemble' ? (d as Ensemble).detectors[0] : d) as WindowRate
      },
    })
    expect(members.standalone.episodes().length).toBeGreaterThan(0)
    expect(members['window-rate'].episodes()).toEqual(members.standalone.episodes())
    expect(members['window-rate,rare-template'].episodes()).toEqual(members.standalone.episodes())
    const f1 = (name: string, m?: string) => result.ranked.find((c) => c.detector === name && (m === undefined || c.overrides.members === m))!.metrics.f1
    expect(f1('ensemble', 'window-rate')).toBe(f1('window-rate'))
  })
})
