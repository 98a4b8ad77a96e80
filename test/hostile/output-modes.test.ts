import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {writeFileAtomic} from '../../src/core/io/output.js'
import {repoRoot, runCli} from '../helpers/cli.js'

// Replacing a file keeps what the user had set on it: its mode (summaries hold log excerpts, a
// private file stays private), its owner where allowed, and a symbolic link stays a link.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-modes-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const sample = path.join(repoRoot, 'data/hdfs_sample.log')

const mode = (p: string): number => fs.statSync(p).mode & 0o777
const scratch = (d: string): string[] => fs.readdirSync(d).filter((f) => f.includes('.tmp') || f.includes('.staging-'))

function folder(name: string): string {
  const d = path.join(dir, name)
  fs.mkdirSync(d)
  return d
}

describe('a replaced file keeps its mode', () => {
  it('detect -o into a 0600 file leaves it 0600', async () => {
    const d = folder('detect-mode')
    const out = path.join(d, 'p.json')
    fs.writeFileSync(out, 'x')
    fs.chmodSync(out, 0o600)
    const r = await runCli(['detect', '-i', sample, '-o', out, '--no-track'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).incidents.length).toBeGreaterThan(0)
    expect(mode(out)).toBe(0o600)
  })

  it('parse -o keeps the modes of the CSV and its _templates.csv (0640, 0604)', async () => {
    const d = folder('parse-mode')
    const csv = path.join(d, 'p.csv')
    const templates = path.join(d, 'p_templates.csv')
    for (const [file, m] of [[csv, 0o640], [templates, 0o604]] as const) {
      fs.writeFileSync(file, 'old')
      fs.chmodSync(file, m)
    }
    expect((await runCli(['parse', '-i', sample, '-o', csv])).code).toBe(0)
    expect(fs.readFileSync(csv, 'utf8')).toMatch(/^LineId,/)
    expect([mode(csv), mode(templates)]).toEqual([0o640, 0o604])
  })

  it('a read-only (0444) file is replaced and stays 0444', async () => {
    const out = path.join(folder('read-only'), 'ro.json')
    fs.writeFileSync(out, 'x')
    fs.chmodSync(out, 0o444)
    await writeFileAtomic(out, '{"new": true}')
    expect([fs.readFileSync(out, 'utf8'), mode(out)]).toEqual(['{"new": true}', 0o444])
  })

  it('a new file gets the default mode under the umask', async () => {
    const previous = process.umask(0o027)
    try {
      const out = path.join(folder('umask'), 'new.json')
      await writeFileAtomic(out, '{}')
      expect(mode(out)).toBe(0o640)
    } finally {
      process.umask(previous)
    }
  })

  it.skipIf(process.getuid?.() !== 0)('as root, a replaced file keeps its owner and group', async () => {
    const out = path.join(folder('owner'), 'owned.json')
    fs.writeFileSync(out, 'x')
    fs.chownSync(out, 1234, 2345)
    await writeFileAtomic(out, '{"new": true}')
    const info = fs.statSync(out)
    expect([info.uid, info.gid, fs.readFileSync(out, 'utf8')]).toEqual([1234, 2345, '{"new": true}'])
  })
})

describe('an output that is a symbolic link', () => {
  it('detect -o LINK replaces the target; the link stays a link; no scratch file is left', async () => {
    const d = folder('link')
    const real = path.join(folder('link-target'), 'real.json')
    fs.writeFileSync(real, 'old')
    fs.chmodSync(real, 0o600)
    const link = path.join(d, 'l.json')
    fs.symlinkSync(path.relative(d, real), link)
    const r = await runCli(['detect', '-i', sample, '-o', link, '--no-track'])
    expect(r.code, r.stderr).toBe(0)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(JSON.parse(fs.readFileSync(real, 'utf8')).incidents.length).toBeGreaterThan(0)
    expect(mode(real)).toBe(0o600)
    expect([...scratch(d), ...scratch(path.dirname(real))]).toEqual([])
  })

  it('parse -o LINK (also one whose target does not exist yet) writes through it', async () => {
    const d = folder('parse-link')
    const targets = folder('parse-link-target')
    fs.writeFileSync(path.join(targets, 'old.csv'), 'old')
    fs.symlinkSync(path.join(targets, 'old.csv'), path.join(d, 'a.csv'))
    fs.symlinkSync(path.join(targets, 'new.csv'), path.join(d, 'b.csv'))
    for (const name of ['a.csv', 'b.csv']) expect((await runCli(['parse', '-i', sample, '-o', path.join(d, name)])).code).toBe(0)
    for (const name of ['a.csv', 'b.csv']) expect(fs.lstatSync(path.join(d, name)).isSymbolicLink()).toBe(true)
    for (const name of ['old.csv', 'new.csv']) expect(fs.readFileSync(path.join(targets, name), 'utf8')).toMatch(/^LineId,/)
    expect([...scratch(d), ...scratch(targets)]).toEqual([])
  })

  it('--save-model LINK replaces the model folder it points at; the link stays', async () => {
    const d = folder('model-link')
    const real = path.join(d, 'real-model')
    const link = path.join(d, 'model')
    expect((await runCli(['detect', '-i', sample, '--save-model', real, '--no-track'])).code).toBe(0)
    fs.chmodSync(real, 0o700)
    fs.symlinkSync('real-model', link)
    const r = await runCli(['detect', '-i', sample, '--save-model', link, '--no-track'])
    expect(r.code, r.stderr).toBe(0)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.statSync(real).isDirectory()).toBe(true)
    expect(mode(real)).toBe(0o700)
    expect(fs.readdirSync(d).sort()).toEqual(['model', 'real-model'])
  })
})
