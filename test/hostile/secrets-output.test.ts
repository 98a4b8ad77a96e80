import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-secrets-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const KEY = 'sk-ant-api03-CONFIGURED-KEY-abcdef0123456789'
const PASSWORD = 'tr0ub4dor-and-3'

describe('configured credentials never reach the output', () => {
  it('are scrubbed from --json, -o and the terminal, even when a log line carries them', async () => {
    const log = path.join(dir, 'leaky.log')
    // Ten hours of ordinary requests, and a short burst of a new error line that carries the secrets.
    const lines: string[] = []
    const two = (n: number): string => String(n).padStart(2, '0')
    for (let m = 0; m < 600; m++) {
      const at = `Nov 18 ${two(Math.floor(m / 60))}:${two(m % 60)}`
      for (let k = 0; k < 3; k++) lines.push(`${at}:${two(k * 10)} web-01 app[12]: request ${m * 3 + k} served in 12 ms`)
      if (m >= 300 && m < 306) lines.push(`${at}:45 web-01 app[12]: ERROR auth failed using key ${KEY} and password ${PASSWORD}`)
    }
    fs.writeFileSync(log, lines.join('\n') + '\n')
    const env = {ANTHROPIC_API_KEY: KEY, MLFLOW_TRACKING_PASSWORD: PASSWORD, MLFLOW_TRACKING_USERNAME: 'alice'}
    const results = path.join(dir, 'results.json')
    const json = await runCli(['detect', '-i', log, '--json', '-o', results, '--no-track'], {env})
    expect(json.code, json.stderr).toBe(0)
    const text = await runCli(['detect', '-i', log, '--no-track'], {env})
    for (const out of [json.stdout, json.stderr, text.stdout, text.stderr, fs.readFileSync(results, 'utf8')]) {
      expect(out).not.toContain(KEY)
      expect(out).not.toContain(PASSWORD)
    }
    // The line itself is still there, with the secret replaced.
    expect(fs.readFileSync(results, 'utf8')).toContain('<redacted>')
  })
})
