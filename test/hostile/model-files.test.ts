import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {mulberry32} from '../../src/core/detect/random.js'
import {detectorFromJSON, detectorNames} from '../../src/core/detect/registry.js'
import {isFlareError} from '../../src/core/errors.js'
import type {FeatureMatrix} from '../../src/core/features/matrix.js'
import {loadBundle, saveBundle} from '../../src/core/model-bundle.js'
import {detect} from '../../src/core/pipeline.js'
import {runCli} from '../helpers/cli.js'

/**
 * A saved model is untrusted input (issue 13). Seeded mutations of every detector's detector.json
 * — deleted keys, wrong types, NaN, negative and huge numbers, truncated arrays, out-of-range
 * indices, a wrong detector name — must each end in one of:
 *   - "invalid model: …" (a FlareError with exit code 3), or
 *   - a load that scores exactly as the original (the mutation did not matter, e.g. a fit-only
 *     parameter), or
 *   - for a negative, huge or shifted number in a real-valued field listed in FREE (a coordinate, a weight,
 *     the threshold): a load that scores without error — such a file is a different but valid model.
 * Never a raw JS error, never a silently different result from anything else.
 */

type Json = null | boolean | number | string | Json[] | {[k: string]: Json}
type Kind = 'delete' | 'string' | 'null' | 'object' | 'nan' | 'negative' | 'huge' | 'truncate' | 'empty' | 'index' | 'name'

/** Real-valued fields where any finite number is a legitimate model (state paths, array indices as *). */
const FREE: Record<string, RegExp> = {
  'isolation-forest': /^(threshold|state\.(split|leafValue)\.\*)$/,
  'elliptic-envelope': /^(threshold|state\.(location|chol)\.\*)$/,
  lof: /^(threshold|state\.(mean|scale|data|weights|kDist|lrd|lof)\.\*)$/,
  pca: /^(threshold|state\.(mean|components\.\*)\.\*)$/,
  'one-class-svm': /^(threshold|state\.(mean\.\*|scale\.\*|sv\.\*|alpha\.\*|rho|gammaValue))$/,
  'invariants-mining': /^(threshold|params\.epsilon|state\.invariants\.\*\.coefficients\.\*)$/,
  'rare-template': /^(threshold|state\.surprisal\.\*)$/,
  ensemble: /^(threshold|state\.(centre|scale)\.\*|state\.detectors\.\*\.(threshold|state\.(surprisal)\.\*))$/,
}

/** Mutations that leave a number a number: in a FREE field they make a valid, different model. */
const NUMERIC = new Set<Kind>(['negative', 'huge', 'index'])

interface Mutation {
  kind: Kind
  /** Concrete path, e.g. state.feature.17 */
  path: Array<string | number>
  /** Generalised path, e.g. state.feature.* */
  field: string
  json: Json
}

function clone(j: Json): Json {
  return JSON.parse(JSON.stringify(j)) as Json
}

/** Every path to a value; array elements are sampled (one seeded index per array). */
function fields(root: Json, rand: () => number): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = []
  const walk = (node: Json, path: Array<string | number>): void => {
    if (path.length > 0) out.push(path)
    if (Array.isArray(node)) {
      const i = Math.floor(rand() * node.length)
      if (node.length > 0) walk(node[i], [...path, i])
    } else if (node !== null && typeof node === 'object') {
      for (const k of Object.keys(node)) walk(node[k], [...path, k])
    }
  }
  walk(root, [])
  return out
}

function parentOf(root: Json, path: Array<string | number>): {parent: Json[] | {[k: string]: Json}; key: string | number} {
  let node = root as Json
  for (const k of path.slice(0, -1)) node = (node as Record<string, Json>)[k as string]
  return {parent: node as Json[] | {[k: string]: Json}, key: path[path.length - 1]}
}

function mutations(saved: Json, seed: number): Mutation[] {
  const rand = mulberry32(seed)
  const out: Mutation[] = []
  const general = (path: Array<string | number>): string => path.map((k) => (typeof k === 'number' ? '*' : k)).join('.')
  for (const path of fields(saved, rand)) {
    const {parent, key} = parentOf(saved, path)
    const value = (parent as Record<string, Json>)[key as string]
    const kinds: Kind[] = ['string', 'null', 'object']
    if (!Array.isArray(parent)) kinds.push('delete')
    if (typeof value === 'number') kinds.push('nan', 'negative', 'huge')
    if (Array.isArray(value) && value.length > 0) kinds.push('truncate', 'empty')
    if (typeof value === 'number' && Number.isInteger(value)) kinds.push('index')
    if (key === 'name') kinds.push('name')
    for (const kind of kinds) {
      const json = clone(saved)
      const at = parentOf(json, path)
      const slot = at.parent as Record<string, unknown>
      const k = at.key as string
      const v = slot[k] as Json
      switch (kind) {
        case 'delete': delete slot[k]; break
        case 'string': slot[k] = 'x'; break
        case 'null': slot[k] = null; break
        case 'object': slot[k] = {}; break
        case 'nan': slot[k] = Number.NaN; break
        case 'negative': slot[k] = v === 0 ? -1 : -Math.abs(v as number) * 3; break
        case 'huge': slot[k] = 1e300; break
        case 'truncate': slot[k] = (v as Json[]).slice(0, -1); break
        case 'empty': slot[k] = []; break
        case 'index': slot[k] = (v as number) + 1_000_003; break
        case 'name': slot[k] = v === 'lof' ? 'pca' : 'lof'; break
      }
      out.push({kind, path, field: general(path), json})
    }
  }
  return out
}

interface Outcome {
  rejected: number
  same: number
  valid: number
  failures: string[]
}

function probe(name: string, saved: Json, X: FeatureMatrix, original: {scores: Float64Array; threshold: number}): Outcome {
  const o: Outcome = {rejected: 0, same: 0, valid: 0, failures: []}
  for (const m of mutations(saved, 17)) {
    const where = `${m.kind} at ${m.path.join('.')}`
    let scores: Float64Array
    let threshold: number
    try {
      const d = detectorFromJSON(m.json)
      scores = d.score(X)
      threshold = d.threshold
    } catch (error) {
      if (isFlareError(error) && error.exitCode === 3 && error.message.startsWith('invalid model: ')) o.rejected++
      else if (isFlareError(error) && error.exitCode === 3) o.failures.push(`${where}: exit 3 but not a validation error: ${error.message}`)
      else o.failures.push(`${where}: ${isFlareError(error) ? `exit ${error.exitCode}` : 'uncaught JS error'}: ${(error as Error).message}`)
      continue
    }
    const same = threshold === original.threshold && scores.length === original.scores.length && scores.every((s, i) => Object.is(s, original.scores[i]))
    if (same) o.same++
    else if (NUMERIC.has(m.kind) && FREE[name].test(m.field)) o.valid++
    else o.failures.push(`${where}: loaded and scored differently without a validation error`)
  }
  return o
}

// window-rate scores (stream × window) rows with the window layout the pipeline hands it at scoring
// time, which a bare matrix lacks; its saved model is checked through detect --model in
// test/core/detect/window-rate-model.test.ts instead.
const PROBED = () => detectorNames().filter((name) => name !== 'window-rate')

describe('mutated model files: exit 3 or a correct load, never a JS error or a silent change', () => {
  const fitted = new Map<string, {saved: Json; X: FeatureMatrix; scores: Float64Array; threshold: number}>()
  beforeAll(async () => {
    for (const name of PROBED()) {
      const out = await detect({input: 'data/hdfs_sample.log', detector: name})
      fitted.set(name, {saved: clone(out.bundle.detector.toJSON() as unknown as Json), X: out.matrix, scores: out.scores, threshold: out.bundle.detector.threshold})
    }
  }, 60_000)

  for (const name of PROBED()) {
    it(name, () => {
      const f = fitted.get(name)!
      const o = probe(name, f.saved, f.X, f)
      expect(o.failures).toEqual([])
      // The generator reached every kind of damage, and most of it was refused outright.
      expect(o.rejected).toBeGreaterThan(o.same + o.valid)
      expect(o.rejected + o.same + o.valid).toBeGreaterThanOrEqual(40)
    })
  }

  it('the untouched model loads and scores as fitted (the probe can tell "same" from "different")', () => {
    for (const [name, f] of fitted) {
      const d = detectorFromJSON(clone(f.saved))
      expect(Array.from(d.score(f.X)), name).toEqual(Array.from(f.scores))
    }
  })
})

describe('flare detect --model with a damaged detector.json', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flare-hostile-model-'))
    const out = await detect({input: 'data/hdfs_sample.log', detector: 'isolation-forest'})
    await saveBundle(dir, out.bundle)
  }, 60_000)
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  const cases: Array<[string, (j: Record<string, any>) => void]> = [
    ['threshold "x"', (j) => (j.threshold = 'x')],
    ['a feature index past the vocabulary', (j) => (j.state.feature[0] = 10_000)],
    ['state.split truncated', (j) => j.state.split.pop()],
    ['an unknown detector name', (j) => (j.name = 'iforest')],
  ]
  for (const [what, mutate] of cases) {
    it(`${what}: exit 3 "invalid model: …", no "bug in Flare"`, async () => {
      const original = await readFile(join(dir, 'detector.json'), 'utf8')
      const j = JSON.parse(original)
      mutate(j)
      await writeFile(join(dir, 'detector.json'), JSON.stringify(j))
      try {
        const r = await runCli(['detect', '-i', 'data/hdfs_sample.log', '--model', dir])
        expect(r.code, r.stderr).toBe(3)
        expect(r.stderr).toMatch(/invalid model: .*detector\.json/)
        expect(r.stderr).not.toMatch(/bug in Flare/)
      } finally {
        await writeFile(join(dir, 'detector.json'), original)
      }
    }, 30_000)
  }

  const others: Array<[string, string, (j: Record<string, any>) => void]> = [
    ['vocab.json', 'idf truncated', (j) => j.idf.pop()],
    ['vocab.json', 'a template id that is not a string', (j) => (j.template_ids[0] = 7)],
    ['bundle.json', 'threshold "x"', (j) => (j.threshold = 'x')],
    ['bundle.json', 'another detector than detector.json holds', (j) => (j.detector = 'pca')],
  ]
  for (const [file, what, mutate] of others) {
    it(`${file} with ${what}: invalid model, exit 3`, async () => {
      const original = await readFile(join(dir, file), 'utf8')
      const j = JSON.parse(original)
      mutate(j)
      await writeFile(join(dir, file), JSON.stringify(j))
      try {
        await expect(loadBundle(dir)).rejects.toMatchObject({exitCode: 3, message: expect.stringMatching(/^invalid model: /)})
      } finally {
        await writeFile(join(dir, file), original)
      }
    })
  }
})
