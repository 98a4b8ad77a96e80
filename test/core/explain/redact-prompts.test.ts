import {describe, expect, it} from 'vitest'
import {incidentPrompt, logFamily, systemPrompt} from '../../../src/core/explain/prompts.js'
import {estimateTokens} from '../../../src/core/explain/pricing.js'
import {Redactor} from '../../../src/core/explain/redact.js'
import {Semaphore} from '../../../src/core/explain/concurrency.js'
import {retryAfterFromHeaders} from '../../../src/core/explain/providers/retry.js'
import {hdfsIncident, serviceIncident} from './fixtures.js'

describe('Redactor', () => {
  it('replaces secrets and personal data with stable pseudonyms and restores them', () => {
    const r = new Redactor()
    const text = [
      'login ok user=bob email bob@corp.example.org',
      'Authorization: Bearer abcdefgh12345678.zzz',
      'key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA and AKIAIOSFODNN7EXAMPLE',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZw',
      'db password=hunter2; uid=1000',
      'Failed password for invalid user admin from 10.0.0.5 port 22',
      'again bob@corp.example.org',
    ].join('\n')
    const red = r.redact(text)
    for (const secret of ['bob@corp.example.org', 'abcdefgh12345678.zzz', 'sk-ant-api03-AAAA', 'AKIAIOSFODNN7EXAMPLE', 'eyJhbGciOiJIUzI1NiJ9', 'hunter2', 'uid=1000', 'user admin']) {
      expect(red).not.toContain(secret)
    }
    expect(red.match(/<EMAIL_1>/g)).toHaveLength(2)
    expect(red).toContain('password=<SECRET_1>')
    expect(red).not.toContain('10.0.0.5') // IPs are replaced unless kept with ips: false
    expect(new Redactor({ips: false}).redact('from 10.0.0.5')).toBe('from 10.0.0.5')
    expect(r.restore(red)).toBe(text)
    expect(r.restoreDeep({a: ['<EMAIL_1>', '<NOPE_9>']})).toEqual({a: ['bob@corp.example.org', '<NOPE_9>']})
  })

  it('replaces IPs by default and host names when asked; disabled replaces nothing', () => {
    const r = new Redactor({hostnames: true})
    expect(r.redact('from 10.0.0.5 to db1.prod.internal')).toBe('from <IP_1> to <HOST_1>')
    expect(new Redactor({disabled: true}).redact('password=x a@b.co')).toBe('password=x a@b.co')
  })
})

describe('prompts', () => {
  it('is format-aware', () => {
    expect(logFamily('hdfs')).toBe('hdfs')
    expect(logFamily('bgl')).toBe('bgl')
    expect(logFamily('openssh')).toBe('ssh')
    expect(logFamily('jsonl')).toBe('json')
    expect(logFamily('syslog')).toBe('syslog')
    expect(logFamily('apache')).toBe('generic')
    expect(systemPrompt('hdfs')).toMatch(/PacketResponder/)
    expect(systemPrompt('bgl')).toMatch(/Blue Gene/)
    expect(systemPrompt('json')).toMatch(/request or trace id/)
    expect(systemPrompt('hdfs')).not.toBe(systemPrompt('generic'))
  })

  it('carries time range, counts vs normal, reasons and lines', () => {
    const prompt = incidentPrompt(serviceIncident(), 'json').user
    expect(prompt).toContain('Time range: 2024-05-02T14:03:11.120Z to 2024-05-02T14:03:19.884Z')
    expect(prompt).toContain('- T11 | count 8 | normal mean 0 | never in normal sessions | error |')
    expect(prompt).toContain('T13 | count 6 | normal mean 0.05 | 40.0x normal (2 per session vs 0.05 per normal session)')
    expect(prompt).toContain('- T11: 8 vs 0 (template never seen in normal sessions)')
    expect(prompt).toMatch(/^line 91 \[T11\]/m)
  })

  it('keeps within the token budget, error and rare lines first', () => {
    const incident = hdfsIncident()
    const filler = Array.from({length: 400}, (_, i) => ({
      line: 5000 + i,
      text: `081109 2036${String(i).padStart(2, '0')} 99 INFO dfs.DataNode$DataXceiver: Receiving block blk_${i} src: /10.0.0.${i % 250}:5000 dest: /10.0.0.1:50010`,
      template_id: 'T1',
      session_id: 'blk_7503483334202473044',
      reason: 'sample',
    }))
    incident.sample_lines = [...filler, ...incident.sample_lines]
    const prompt = incidentPrompt(incident, 'hdfs', {maxPromptTokens: 1500})
    expect(estimateTokens(prompt.user)).toBeLessThanOrEqual(1500)
    expect(prompt.omitted.lines).toBeGreaterThan(300)
    expect(prompt.user).toMatch(/^line 1057 \[T3\]/m)
    expect(prompt.user).toMatch(/^line 1063 \[T4\]/m)
    expect(prompt.user).toMatch(/further sample lines omitted/)
  })
})

describe('plumbing', () => {
  it('Semaphore caps concurrent holders', async () => {
    const s = new Semaphore(2)
    let active = 0
    let peak = 0
    await Promise.all(Array.from({length: 6}, () => s.run(async () => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setTimeout(r, 10))
      active--
    })))
    expect(peak).toBe(2)
  })

  it('parses retry-after as seconds, HTTP date or retry-after-ms', () => {
    const h = (values: Record<string, string>) => (name: string) => values[name]
    expect(retryAfterFromHeaders(h({'retry-after': '2'}))).toBe(2000)
    expect(retryAfterFromHeaders(h({'retry-after-ms': '150', 'retry-after': '9'}))).toBe(150)
    expect(retryAfterFromHeaders(h({'retry-after': new Date(10_000).toUTCString()}), 4_000)).toBe(6000)
    expect(retryAfterFromHeaders(h({}))).toBeUndefined()
  })
})
