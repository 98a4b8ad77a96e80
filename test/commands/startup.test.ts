import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-startup-'))

/** The ES modules a run of the built CLI loads, in order (a module load hook writes down each URL). */
async function modulesLoaded(args: string[]): Promise<{code: number; urls: string[]}> {
  const log = path.join(tmp, `modules-${Date.now()}.txt`)
  const hook = path.join(tmp, 'hook.mjs')
  writeFileSync(hook, `import {appendFileSync} from 'node:fs'\nexport async function load(url, context, next) {\n  appendFileSync(process.env.FLARE_TEST_MODULE_LOG, url + '\\n')\n  return next(url, context)\n}\n`)
  const register = path.join(tmp, 'register.mjs')
  writeFileSync(register, `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hook).href)})\n`)
  writeFileSync(log, '')
  const run = await runCli(args, {env: {NODE_OPTIONS: `--import ${pathToFileURL(register).href}`, FLARE_TEST_MODULE_LOG: log}})
  return {code: run.code, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean)}
}

// Issue 14: a 2,000-line detect is mostly start-up, and every module it loads costs start-up time.
describe('what a plain flare detect loads (built CLI)', () => {
  it('on a log of time windows: zod as one bundled file, the window detector alone, no id-session clustering, label reader or model checks', async () => {
    const {code, urls} = await modulesLoaded(['detect', '-i', 'data/syslog_sample.log', '--no-track'])
    expect(code).toBe(0)
    expect(urls.some((u) => u.endsWith('/dist/core/pipeline.js'))).toBe(true)
    // zod's own entry loads ~95 modules, 60 of them locales; bin/bundle-zod.js makes them one
    expect(urls.filter((u) => u.includes('/node_modules/zod/'))).toEqual([])
    expect(urls.filter((u) => u.endsWith('/dist/core/zod.js'))).toHaveLength(1)
    const flare = urls.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6))
    expect(flare.filter((f) => /^core\/detect\/(registry|isolation-forest|local-outlier-factor|one-class-svm|elliptic-envelope|pca|invariants-mining|rare-template|ensemble)\.js$/.test(f))).toEqual([])
    expect(flare).toContain('core/detect/window-rate.js')
    for (const lazy of ['core/incidents/build.js', 'core/incidents/dbscan.js', 'core/evaluate/labels.js', 'core/model-fit.js']) expect(flare).not.toContain(lazy)
  })
})
