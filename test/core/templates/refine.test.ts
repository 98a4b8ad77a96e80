import {describe, expect, it} from 'vitest'
import {TemplateMiner, isWordValue} from '../../../src/core/templates/index.js'

/** Final template text of each line after the second pass (as `flare parse` writes it). */
function refined(lines: string[]): string[] {
  const miner = new TemplateMiner()
  const ids = lines.map((l) => miner.add(l).templateId)
  const refinement = miner.refine()
  return lines.map((l, i) => refinement.part(l, ids[i])?.template ?? miner.template(ids[i])!.template)
}

// Excerpts of the loghub-2k logs (Loghub, ISSRE 2023): the message contents after the header.
describe('refine: a <*> position that only ever held a few plain words splits its template', () => {
  it('OpenStack: VM Started / Paused / Resumed are three events, the instance id stays a parameter', () => {
    const lines = ['Started', 'Paused', 'Resumed', 'Started', 'Paused'].map((w, i) => `[instance: ${['b9000564-fe1a-409b-b8cc-1e88b294cd1d', '0c1ba5e8-8ec0-43d0-a1be-e03e49d8bc4a'][i % 2]}] VM ${w} (Lifecycle Event)`)
    const miner = new TemplateMiner()
    const ids = lines.map((l) => miner.add(l).templateId)
    expect(new Set(ids).size).toBe(1) // Drain alone merges them
    expect(new Set(refined(lines))).toEqual(new Set(['[instance: <*> VM Started (Lifecycle Event)', '[instance: <*> VM Paused (Lifecycle Event)', '[instance: <*> VM Resumed (Lifecycle Event)']))
  })

  it('Windows: the client word ending a sentence names the event; the session id does not', () => {
    const lines = [
      'Session: 30546173_4261722401 initialized by client WindowsUpdateAgent.',
      'Session: 30546173_4262462443 initialized by client WindowsUpdateAgent.',
      'Session: 11152_142416105 initialized by client SPP.',
      'Ending TrustedInstaller initialization.',
      'Ending TrustedInstaller finalization.',
    ]
    expect(refined(lines)).toEqual([
      'Session: <*> initialized by client WindowsUpdateAgent.',
      'Session: <*> initialized by client WindowsUpdateAgent.',
      'Session: <*> initialized by client SPP.',
      'Ending TrustedInstaller initialization.',
      'Ending TrustedInstaller finalization.',
    ])
  })

  it('Linux: key=word values split (user=root / user=guest), key=number values do not', () => {
    const lines = [
      'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root',
      'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=211.46.224.253  user=guest',
      'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=212.0.132.20  user=root',
    ]
    const out = refined(lines)
    expect(out[0]).toMatch(/ user=root$/)
    expect(out[1]).toMatch(/ user=guest$/)
    expect(out[0]).toBe(out[2])
    expect(out[0]).toContain('uid=<*>')
  })

  it('keeps one template when a position takes many words (user names) or unit words (B / KB)', () => {
    const users = ['cyrus', 'news', 'test', 'root', 'cyrus'].map((u) => `session opened for user ${u} by (uid=0)`)
    expect(new Set(refined(users)).size).toBe(1)
    const spark = [
      'Block broadcast_0_piece0 stored as bytes in memory (estimated size 93.0 B, free 317.1 KB)',
      'Block broadcast_9_piece0 stored as bytes in memory (estimated size 5.2 KB, free 5.2 KB)',
    ]
    expect(new Set(refined(spark)).size).toBe(1)
  })

  it('tells words from values', () => {
    expect(['SPP.', 'user=root', 'Resumed', 'finalization.', 'hinet-ip'].every(isWordValue)).toBe(true)
    expect(['KB,', 'Jul', 'node-17', 'uid=0', '<*>', 'ruser=', '(uid=0)'].some(isWordValue)).toBe(false)
  })
})
