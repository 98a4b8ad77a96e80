import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

// Lines of an incident that carry credentials and an SSN, in a quiet service log.
const SECRETS = [
  ['stripe charge failed key sk_live_51H8abcdefghijklmnopqrstuv', 'sk_live_51H8abcdefghijklmnopqrstuv'],
  ['aws call failed aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
  ['maps failed key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'AIzaSyD-9tSrke72PouQMnMX'],
  ['config dump {"password":"Tr0ub4dor&3"}', '&3'],
  ['payment failed ssn 123-45-6789', '123-45-6789'],
  ['db restore mysql -pR00tPassw0rd', 'R00tPassw0rd'],
]

/** 3000 lines on three hosts, app-2 logging the secrets for ~100 lines: one incident. Deterministic. */
function leakyLog(): string {
  const lines: string[] = []
  let t = Date.UTC(2026, 10, 20, 10)
  for (let i = 0; i < 3000; i++) {
    t += 1000 + ((i * 7) % 3) * 1000
    const host = `app-${(i % 3) + 1}`
    const stamp = new Date(t).toISOString().replace('T', ' ').slice(0, 19)
    const leak = i > 1200 && i < 1300 && host === 'app-2'
    lines.push(`${stamp} ${host} ${leak ? 'ERROR' : 'INFO'} ${leak ? SECRETS[i % SECRETS.length]![0] : `GET /api/v1/items 200 in ${5 + ((i * 13) % 75)}ms`}`)
  }
  return `${lines.join('\n')}\n`
}

describe('summarize --dry-run on a log with credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flare-sum-secrets-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('shows requests in which no secret, key or SSN is left', async () => {
    const log = join(dir, 'leak.log')
    writeFileSync(log, leakyLog())
    const detect = await runCli(['detect', '-i', log, '-o', join(dir, 'leak.json'), '--no-track'])
    expect(detect.code, detect.stderr).toBe(0)
    const dry = await runCli(['summarize', '-i', join(dir, 'leak.json'), '--dry-run'], {env: {ANTHROPIC_API_KEY: 'dummy-key-for-dry-run'}})
    expect(dry.code, dry.stderr).toBe(0)
    const out = dry.stdout + dry.stderr
    expect(out).toContain('aws_secret_access_key=<SECRET_')
    for (const [, secret] of SECRETS) expect(out).not.toContain(secret)
  }, 60_000)
})
