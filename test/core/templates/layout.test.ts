import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {repoRoot} from '../../helpers/cli.js'

// src/core/templates is the Drain algorithm, masking and state only: the speed machinery lives in
// src/core/mining and depends on it, never the other way, and nothing in it reads a file.
const root = path.join(repoRoot, 'src/core/templates')

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))
}

/** Every module a file imports or re-exports (type-only imports too), resolved to a path when relative. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/(?:^import|^export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)) {
    const spec = m[1] ?? m[2]
    out.push(spec.startsWith('.') ? path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) : spec)
  }
  return out
}

describe('src/core/templates', () => {
  const files = sources(root)
  const graph = new Map(files.map((f) => [f, importsOf(f)]))

  it('imports only itself, errors.ts and zod (through src/core/zod.ts): no mining, no file system', () => {
    const outside = [...graph.entries()].flatMap(([f, deps]) => deps.filter((d) => !d.startsWith(root + path.sep)).map((d) => `${path.relative(root, f)} → ${path.isAbsolute(d) ? path.relative(repoRoot, d) : d}`))
    expect(outside.filter((edge) => !edge.endsWith('src/core/errors.ts') && !edge.endsWith('src/core/zod.ts') && !edge.endsWith(' zod'))).toEqual([])
    expect(files.length).toBeGreaterThan(5)
  })

  it('has no import cycles', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(root, p)).join(' → '))
        return
      }
      state.set(f, 'open')
      for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...trail, f])
      state.set(f, 'done')
    }
    for (const f of files) visit(f, [])
    expect(cycles).toEqual([])
  })
})
