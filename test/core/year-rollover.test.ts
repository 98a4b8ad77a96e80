import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {detect} from '../../src/core/pipeline.js'

/**
 * A year-less syslog log across New Year (Dec 31 22:00 → Jan 1 ~00:20), two hosts of cron lines
 * and a burst of disk errors on web-01 before midnight. Dated in one fixed year, Jan 1 read as
 * the start of that year: windows of a day and a whole-day incident.
 */
function newYearLog(): string {
  const start = Date.UTC(2025, 11, 31, 22)
  const lines: string[] = []
  let t = start
  let seed = 7
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  const months = ['Jan', 'Dec']
  for (let i = 0; i < 1500; i++) {
    t += 1000 + Math.floor(rand() * 10) * 1000
    const d = new Date(t)
    const host = rand() < 0.5 ? 'web-01' : 'web-02'
    const burst = t - start > 3000_000 && t - start < 3400_000 && host === 'web-01'
    const msg = burst ? 'kernel: EXT4-fs error (device sda1): ext4_find_entry: reading directory lblock 0' : `CRON[${1000 + Math.floor(rand() * 9000)}]: (root) CMD (/usr/lib/sa/sa1 1 1)`
    const stamp = `${months[d.getUTCMonth() === 0 ? 0 : 1]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`
    lines.push(`${stamp} ${host} ${msg}`)
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'flare-nye-')), 'nye.log')
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

describe('a year-less log across New Year', () => {
  it('reads forward in time: short windows, one incident before midnight, nothing dated in the future', async () => {
    const now = Date.parse('2026-12-04T10:00:00Z')
    const out = await detect({input: newYearLog(), now})
    expect(out.results.summary.session_key).not.toMatch(/1d/)
    expect(out.results.incidents).toHaveLength(1)
    const range = out.results.incidents[0].time_range
    expect(range.start?.slice(0, 10)).toBe('2025-12-31')
    expect(Date.parse(range.end!) - Date.parse(range.start!)).toBeLessThan(3600_000)
    const last = Math.max(...Array.from(out.sessions, (s) => s.windowStart ?? 0))
    expect(new Date(last).toISOString().slice(0, 10)).toBe('2026-01-01')
  })
})
