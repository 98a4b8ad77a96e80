/**
 * Imports a snapshot written by Drain3 itself (the drain3 PyPI package, in a venv made here once
 * and kept in the temp folder). Skipped, saying why, when Python or PyPI is not available.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {drain3State, isDrain3Snapshot} from '../../../src/core/templates/drain3-import.js'
import {TemplateMiner} from '../../../src/core/templates/index.js'
import {loadTemplateState, saveTemplateState} from '../../../src/core/mining/state-file.js'
import {repoRoot, runCli} from '../../helpers/cli.js'

const DRAIN3 = 'drain3==0.9.11'
const tmp = mkdtempSync(path.join(tmpdir(), 'flare-drain3-'))

/** A python with drain3: the bench's venv when it has it, else one made in the temp folder. */
function drain3Python(): {python?: string; why?: string} {
  const importable = (py: string): boolean => existsSync(py) && spawnSync(py, ['-c', 'import drain3'], {stdio: 'ignore'}).status === 0
  const bench = path.join(repoRoot, '.venv-bench/bin/python')
  if (importable(bench)) return {python: bench}
  const venv = path.join(tmpdir(), 'flare-test-drain3-venv')
  const py = path.join(venv, 'bin/python')
  if (importable(py)) return {python: py}
  const made = spawnSync('python3', ['-m', 'venv', venv], {encoding: 'utf8'})
  if (made.status !== 0) return {why: `python3 -m venv failed (${(made.stderr || String(made.error)).trim().split('\n').pop()})`}
  const pip = spawnSync(path.join(venv, 'bin/pip'), ['install', '--quiet', DRAIN3], {encoding: 'utf8', timeout: 150_000})
  if (pip.status !== 0 || !importable(py)) return {why: `pip install ${DRAIN3} failed (PyPI unreachable?): ${(pip.stderr || String(pip.error)).trim().split('\n').pop()}`}
  return {python: py}
}

const SCRIPT = `
import sys
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
from drain3.file_persistence import FilePersistence
from drain3.masking import MaskingInstruction
cfg = TemplateMinerConfig()
cfg.snapshot_compress_state = False
cfg.drain_depth = 4
cfg.drain_max_clusters = int(sys.argv[3]) if len(sys.argv) > 3 else None
cfg.masking_instructions = [MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
                            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)([\\-\\+]?\\d+)((?=[^A-Za-z0-9])|$)", "NUM")]
tm = TemplateMiner(FilePersistence(sys.argv[2]), cfg)
for line in open(sys.argv[1]):
    tm.add_log_message(line.rstrip("\\n"))
tm.save_state("test")
for c in sorted(tm.drain.clusters, key=lambda c: c.cluster_id):
    print(f"{c.cluster_id}\\t{c.size}\\t{c.get_template()}")
`

const LOG = ['connected to 10.0.0.1 port 22', 'connected to 10.0.0.2 port 2222', 'user alice logged in', 'user bob logged in', 'user carol logged in', 'disk full on sda', 'disk full on sdb', 'job 17 finished in 30 ms'].join('\n') + '\n'

let python: string | undefined
let skipWhy = ''
beforeAll(() => {
  const found = drain3Python()
  python = found.python
  skipWhy = found.why ?? ''
}, 180_000)

function snapshot(name: string, maxClusters?: number): {file: string; clusters: Array<{id: number; size: number; template: string}>} {
  const log = path.join(tmp, `${name}.log`)
  writeFileSync(log, LOG)
  const script = path.join(tmp, 'make_snapshot.py')
  writeFileSync(script, SCRIPT)
  const file = path.join(tmp, `${name}.json`)
  const run = spawnSync(python!, [script, log, file, ...(maxClusters ? [String(maxClusters)] : [])], {encoding: 'utf8'})
  if (run.status !== 0) throw new Error(run.stderr)
  const clusters = run.stdout.trim().split('\n').map((l) => {
    const [id, size, template] = l.split('\t')
    return {id: Number(id), size: Number(size), template}
  })
  return {file, clusters}
}

describe('Drain3 snapshot import', () => {
  it('maps every cluster of a snapshot Drain3 wrote: id, size and template (masks become <*>)', (ctx) => {
    if (!python) return ctx.skip(`drain3 is not available: ${skipWhy}`)
    const {file, clusters} = snapshot('plain')
    const json = JSON.parse(readFileSync(file, 'utf8'))
    expect(isDrain3Snapshot(json)).toBe(true)
    const state = drain3State(json, file)
    expect(state.clusters).toEqual(clusters.map((c) => ({id: `T${c.id}`, count: c.size, template: c.template.replace(/<[A-Z]+>/g, '<*>')})))
    expect(state.nextId).toBe(Math.max(...clusters.map((c) => c.id)) + 1)
    expect(state.config.drain.depth).toBe(json['py/state'].log_cluster_depth)
  })

  it('reads the LRU cache Drain3 writes when max_clusters is set', (ctx) => {
    if (!python) return ctx.skip(`drain3 is not available: ${skipWhy}`)
    const {file, clusters} = snapshot('capped', 2)
    const state = drain3State(JSON.parse(readFileSync(file, 'utf8')), file)
    expect(state.clusters.map((c) => c.id)).toEqual(clusters.map((c) => `T${c.id}`))
    expect(state.config.drain.maxClusters).toBe(2)
  })

  it('--state continues from the imported templates and saves Flare state beside the snapshot', async (ctx) => {
    if (!python) return ctx.skip(`drain3 is not available: ${skipWhy}`)
    const {file, clusters} = snapshot('continue')
    const before = readFileSync(file, 'utf8')
    const miner = await loadTemplateState(file)
    const userId = `T${clusters.find((c) => c.template.startsWith('user'))!.id}`
    expect(miner.add('user dave logged in').templateId).toBe(userId)
    expect(miner.add('connected to 10.9.9.9 port 80').templateId).toBe(`T${clusters.find((c) => c.template.startsWith('connected'))!.id}`)
    expect(miner.add('something new').templateId).toBe(`T${Math.max(...clusters.map((c) => c.id)) + 1}`)
    const saved = await saveTemplateState(file, miner)
    expect(saved).toBe(file.replace(/\.json$/, '.flare.json'))
    expect(readFileSync(file, 'utf8')).toBe(before)
    const again = await loadTemplateState(saved, undefined, TemplateMiner)
    expect(again.template(userId)?.count).toBe(clusters.find((c) => c.template.startsWith('user'))!.size + 1)

    const log = path.join(tmp, 'more.log')
    writeFileSync(log, 'user erin logged in\n')
    // The state saved beside the snapshot holds what was learnt since: a new import never replaces it.
    const learnt = readFileSync(saved, 'utf8')
    const refused = await runCli(['parse', '-i', log, '--state', file, '-o', path.join(tmp, 'more.csv')], {cwd: tmp})
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`→ give --state ${saved} to go on from it, or move it away to import the snapshot afresh`)
    expect(readFileSync(saved, 'utf8')).toBe(learnt)
    rmSync(saved)
    const cli = await runCli(['parse', '-i', log, '--state', file, '-o', path.join(tmp, 'more.csv')], {cwd: tmp})
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain('stays as it was')
    expect(readFileSync(path.join(tmp, 'more.csv'), 'utf8')).toContain(`,${userId},user <*> logged in,`)
  })
})
