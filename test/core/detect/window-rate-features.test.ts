import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {checkWindowFeatures} from '../../../src/core/detect/catalog.js'
import {WindowRate} from '../../../src/core/detect/window-rate.js'
import {ExitCode, FlareError} from '../../../src/core/errors.js'
import {fromRows} from '../../../src/core/features/matrix.js'
import {detect} from '../../../src/core/pipeline.js'
import {repoRoot, runCli} from '../../helpers/cli.js'

const COUNTS_EXTRAS = {sets: ['counts', 'extras'] as Array<'counts' | 'extras'>, transform: 'none' as const, maxBigrams: 64}
const REFUSAL = 'window-rate scores raw template counts per window and cannot use --features counts,extras: drop --features (it reads counts alone), or use a detector that does, such as -d isolation-forest'

/**
 * Window-rate reads each window's raw template counts, one column per template (its context says
 * each column's level, text and component). Extra columns (events, durations and gaps in seconds)
 * used to leave it without its context: one stream, rows numbered as times, every column summed
 * as lines, so a 24-hour multi-host log's silences counted fractional "lines" (results validation:
 * `incidents[].silence.lines expected int`) and shorter logs dated their incidents 1970.
 */
describe('window-rate and features other than raw template counts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-window-features-'))
  const log = path.join(dir, 'fleet.log')
  beforeAll(() => {
    const made = spawnSync(process.execPath, ['data/generate-multihost.mjs', '--seed', '2', '--hours', '4', '--hosts', '4', '--out', log, '--truth', `${log}.json`], {cwd: repoRoot, encoding: 'utf8'})
    expect(made.status, made.stderr).toBe(0)
  })
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('-d window-rate --features counts,extras is a usage error (exit 2) before the log is read, saying what to do instead', async () => {
    const error = await detect({input: path.join(dir, 'missing.log'), detector: 'window-rate', features: COUNTS_EXTRAS}).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(FlareError)
    expect(error).toMatchObject({exitCode: ExitCode.usage, message: REFUSAL})
  })

  it('so is a damped transform, and an ensemble whose window-rate member would read them; raw counts pass', () => {
    expect(() => checkWindowFeatures('window-rate', {sets: ['counts'], transform: 'log1p', maxBigrams: 64})).toThrow('window-rate scores raw template counts per window and cannot use --transform log1p: drop --transform')
    expect(() => checkWindowFeatures('ensemble', COUNTS_EXTRAS, {members: 'window-rate,rare-template'})).toThrow("an ensemble's window-rate member scores raw template counts per window and cannot use --features counts,extras: drop --features (each member then reads its own features)")
    // an ensemble's own blocks: window-rate's is raw counts
    checkWindowFeatures('ensemble', {sets: ['counts', 'unseen'], transform: 'per-member', maxBigrams: 64, members: [{detector: 'window-rate', sets: ['counts'], transform: 'none', maxBigrams: 64}, {detector: 'rare-template', sets: ['counts', 'unseen'], transform: 'none', maxBigrams: 64}]}, {members: 'window-rate,rare-template'})
    checkWindowFeatures('window-rate', {sets: ['counts'], transform: 'none', maxBigrams: 64})
    checkWindowFeatures('isolation-forest', COUNTS_EXTRAS)
  })

  it('--detector auto resolves window-rate on time windows, and the feature flags apply to its recommendation, not to the id detector\'s', async () => {
    // extras: refused once the windows are known
    await expect(detect({input: log, featureEdits: {sets: ['counts', 'extras']}})).rejects.toMatchObject({exitCode: ExitCode.usage, message: REFUSAL})
    // --transform none is window-rate's own: the same results as no flag (it used to add
    // invariants-mining's unseen column, and window-rate lost its context)
    const plain = await detect({input: log})
    const none = await detect({input: log, featureEdits: {transform: 'none'}})
    expect(Array.from(none.scores)).toEqual(Array.from(plain.scores))
    expect(none.results.incidents.map((i) => i.time_range)).toEqual(plain.results.incidents.map((i) => i.time_range))
  })

  it('a context that does not describe the matrix is a bug, not a cue to read every column as lines of one stream', () => {
    const d = new WindowRate()
    d.setContext({streams: ['a', 'a', 'a'], windowStart: [0, 60_000, 120_000], stepMs: 60_000, columns: [{text: 'request served'}, {text: 'disk full', level: 'ERROR'}]})
    // two template columns and an extra one (a duration in seconds)
    expect(() => d.fit(fromRows([[10, 0, 59.5], [11, 0, 58.25], [9, 3, 57.75]]))).toThrow(/context describes 3 rows × 2 template columns, the matrix is 3 × 3/)
  })

  it('the CLI refuses it in one line with exit code 2', async () => {
    const run = await runCli(['detect', '-i', log, '-d', 'window-rate', '--features', 'counts,extras', '--no-track'])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.trim()).toBe(`Error: ${REFUSAL}`)
  })

  it('the CLI with --detector auto and --transform none fits window-rate as without the flag (incidents at their times, not 1970)', async () => {
    const plain = path.join(dir, 'plain.json')
    const none = path.join(dir, 'none.json')
    expect((await runCli(['detect', '-i', log, '-o', plain, '--no-track'])).code).toBe(0)
    const run = await runCli(['detect', '-i', log, '--transform', 'none', '-o', none, '--no-track'])
    expect(run.code, run.stderr).toBe(0)
    const incidents = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as {incidents: Array<{time_range: unknown}>}).incidents.map((i) => i.time_range)
    expect(incidents(plain).length).toBeGreaterThan(0)
    expect(incidents(none)).toEqual(incidents(plain))
  })
})
