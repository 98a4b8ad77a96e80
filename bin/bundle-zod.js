#!/usr/bin/env node
// Runs after tsc in `npm run build`: replaces dist/core/zod.js (`export {object, string, ...} from
// 'zod'`) with one file holding only what those members need. Imported as itself, zod is ~95
// modules (60 of them locales, all loaded by its index) and ~70 ms of every start (issue 14); the
// tree-shaken file is ~170 KB and a few ms. Without rolldown (a dev dependency) the tsc output
// stays: slower to load, the same behaviour.
import {readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const target = new URL('../dist/core/zod.js', import.meta.url)
let rolldown
try {
  ;({rolldown} = await import('rolldown'))
} catch {
  console.error('bundle-zod: rolldown is not installed; dist/core/zod.js imports zod as it is (slower start)')
  process.exit(0)
}
const source = readFileSync(target, 'utf8')
if (!source.includes("from 'zod'")) {
  console.error('bundle-zod: dist/core/zod.js is already bundled')
  process.exit(0)
}
const bundle = await rolldown({input: fileURLToPath(target), platform: 'node', logLevel: 'warn'})
const {output} = await bundle.generate({format: 'esm', codeSplitting: false})
await bundle.close()
if (output.length !== 1 || output[0].type !== 'chunk') throw new Error(`bundle-zod: expected one chunk, got ${output.map((o) => o.fileName).join(', ')}`)
const temp = new URL(`zod.js.${process.pid}.tmp`, target)
writeFileSync(temp, `// Built by bin/bundle-zod.js from src/core/zod.ts and the zod package.\n${output[0].code}`)
renameSync(temp, target)
rmSync(new URL('zod.js.map', target), {force: true})
console.error(`dist/core/zod.js: zod bundled (${Math.round(output[0].code.length / 1024)} KB)`)
