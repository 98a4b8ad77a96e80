import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainOffline} from '../../src/core/explain/providers/index.js'
import {Results} from '../../src/core/results.js'
import {repoRoot, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(tmpdir(), 'flare-times-'))

describe('times in human output', () => {
  it('a log without timestamps: lines, not 1970, in the table, the JSON and the offline remediation (built CLI)', async () => {
    // data/syslog_sample.log with its timestamps cut off: the disk-full incident is in lines 801-1000
    const text = readFileSync(path.join(repoRoot, 'data/syslog_sample.log'), 'utf8').replace(/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} /gm, '')
    const input = path.join(tmp, 'nots.log')
    const out = path.join(tmp, 'nots.json')
    writeFileSync(input, text)
    const r = await runCli(['detect', '-i', input, '--no-track', '-o', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain('1970')
    expect(r.stdout).toContain('lines 801–1000')
    expect(r.stdout).not.toContain('UTC')
    const results = Results.parse(JSON.parse(readFileSync(out, 'utf8')))
    const incident = results.incidents[0]
    expect(incident.time_range).toEqual({start: null, end: null})
    expect(incident.line_range).toEqual({first: 801, last: 1000})
    const summary = explainOffline(incident, results.summary.format)
    const pull = summary.remediation.find((a) => a.action.startsWith('Pull the full logs'))!
    expect(pull.action).toContain('in lines 801–1000 (the lines carry no timestamps)')
    expect(JSON.stringify(summary)).not.toContain('1970')
  })

  it('says once that the table times are UTC; --json keeps ISO strings with Z (built CLI)', async () => {
    // 11:00:00+02:00 is 09:00:00 UTC
    const lines: string[] = []
    for (let i = 0; i < 600; i++) {
      const t = new Date(Date.UTC(2026, 2, 4, 8, 0, 0) + i * 6000)
      const local = new Date(t.getTime() + 2 * 3600_000).toISOString().slice(0, 19) + '+02:00'
      const burst = i >= 300 && i < 330
      lines.push(JSON.stringify({time: local, level: burst ? 'error' : 'info', msg: burst ? 'disk /dev/sda1 full: write failed' : `request served in ${i % 7} ms`}))
    }
    const input = path.join(tmp, 'zoned.jsonl')
    writeFileSync(input, lines.join('\n') + '\n')
    const human = await runCli(['detect', '-i', input, '--no-track'])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toContain('time range (UTC)')
    expect(human.stdout.match(/UTC/g)).toHaveLength(1)
    expect(human.stdout).toMatch(/2026-03-04 08:3\d:\d\d/)
    const json = await runCli(['detect', '-i', input, '--no-track', '--json'])
    const results = Results.parse(JSON.parse(json.stdout))
    expect(results.incidents[0].time_range.start).toMatch(/^2026-03-04T08:3\d:\d\d\.\d{3}Z$/)
  })
})
