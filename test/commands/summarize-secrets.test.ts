import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
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
    lines.push(`${stamp} ${host} ${leak ? 'ERROR' : 'INFO'} ${leak ? SECRETS[Math.floor(i / 3) % SECRETS.length]![0] : `GET /api/v1/items 200 in ${5 + ((i * 13) % 75)}ms`}`)
  }
  return `${lines.join('\n')}\n`
}

describe('a log with credentials through detect and summarize --dry-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flare-sum-secrets-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const log = join(dir, 'leak.log')
  const results = join(dir, 'leak.json')

  it('detect masks them in -o, --json and the table', async () => {
    writeFileSync(log, leakyLog())
    const detect = await runCli(['detect', '-i', log, '-o', results, '--no-track'])
    expect(detect.code, detect.stderr).toBe(0)
    const json = await runCli(['detect', '-i', log, '--no-track', '--json'])
    expect(json.code, json.stderr).toBe(0)
    const written = readFileSync(results, 'utf8')
    // every kind of secret made it into the incident's sample lines, masked
    const texts = JSON.parse(written).incidents.flatMap((i: any) => i.sample_lines.map((l: any) => l.text)).join('\n')
    for (const [line] of SECRETS) expect(texts).toContain(line.split(' ').slice(0, 2).join(' '))
    expect(texts).toContain('aws_secret_access_key=<SECRET_')
    for (const [, secret] of SECRETS) for (const text of [written, json.stdout, detect.stdout, detect.stderr]) expect(text).not.toContain(secret)
  }, 60_000)

  it('summarize shows requests in which none is left, also from results that hold the raw lines', async () => {
    // A results file as an older Flare wrote it: the sample lines as the log has them.
    const raw = readFileSync(log, 'utf8').split('\n')
    const doc = JSON.parse(readFileSync(results, 'utf8'))
    for (const incident of doc.incidents) for (const sample of incident.sample_lines) sample.text = raw[sample.line - 1]
    const rawResults = join(dir, 'raw.json')
    writeFileSync(rawResults, JSON.stringify(doc))
    expect(readFileSync(rawResults, 'utf8')).toContain('wJalrXUtnFEMI')
    const dry = await runCli(['summarize', '-i', rawResults, '--dry-run'], {env: {ANTHROPIC_API_KEY: 'dummy-key-for-dry-run'}})
    expect(dry.code, dry.stderr).toBe(0)
    const out = dry.stdout + dry.stderr
    expect(out).toContain('aws_secret_access_key=<SECRET_')
    for (const [, secret] of SECRETS) expect(out).not.toContain(secret)
  }, 60_000)
})
