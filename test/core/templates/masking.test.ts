import {describe, expect, it} from 'vitest'

import {Masker, type Param, classifySegment, defaultMaskingConfig} from '../../../src/core/templates/index.js'
import {ipEnd, isIp} from '../../../src/core/templates/masking/classify.js'
import {mulberry32} from '../../../src/core/detect/random.js'

function mask(content: string, config = {}): {tokens: string[]; params: (Param[] | null)[]} {
  const m = new Masker(config)
  const tokens: string[] = []
  const params: (Param[] | null)[] = []
  m.tokenize(content, tokens, params)
  return {tokens, params}
}

const cls = (s: string) => classifySegment(s, 0, s.length, defaultMaskingConfig, false)

describe('classifySegment', () => {
  it('recognises each parameter type', () => {
    expect(cls('10.251.42.84')).toBe('ip')
    expect(cls('10.251.42.84:50010')).toBe('ip')
    expect(cls('300.1.1.1')).toBeNull()
    expect(cls('42')).toBe('number')
    expect(cls('-3.25')).toBe('number')
    expect(cls('150ms')).toBe('number')
    expect(cls('0x800f080d')).toBe('hex')
    expect(cls('54fadb412c4e40cdbaed9335e4c35a9e')).toBe('hex')
    expect(cls('70c1714b-c11b-4c88-b300-239afe1f5ff8')).toBe('uuid')
    expect(cls('/var/log/messages')).toBe('path')
    // the root is a path like any other (a web server's front page among its other pages)
    expect(cls('/')).toBe('path')
    expect(mask('GET / HTTP/1.1 500').tokens).toEqual(mask('GET /cart HTTP/1.1 500').tokens)
    expect(cls('blk_-6952295868487656571')).toBe('block')
    expect(cls('blk_38865049064139660')).toBe('block')
    expect(cls('https://example.com/a?b=1')).toBe('url')
    expect(cls('ops@example.com')).toBe('email')
    expect(cls('07:57:30')).toBe('time')
    expect(cls('2017-12-31')).toBe('time')
    expect(cls('proxy.cse.cuhk.edu.hk:5070')).toBe('host')
    expect(cls('terminating')).toBeNull()
    expect(cls('SOCKS5')).toBeNull()
  })

  it('respects disabled maskers', () => {
    expect(classifySegment('10.0.0.1', 0, 8, {...defaultMaskingConfig, ip: false, digitSegments: false}, false)).toBeNull()
    expect(classifySegment('/tmp/x', 0, 6, {...defaultMaskingConfig, path: false}, false)).toBeNull()
  })
})

describe('Masker', () => {
  it('masks IPs with ports, keeping the type', () => {
    const {tokens, params} = mask('Receiving block blk_-16 src: /10.250.19.102:54106 dest: 10.250.19.102:50010')
    expect(tokens).toEqual(['Receiving', 'block', '<*>', 'src:', '<*>', 'dest:', '<*>'])
    expect(params[2]).toEqual([{value: 'blk_-16', type: 'block'}])
    expect(params[4]).toEqual([{value: '/10.250.19.102:54106', type: 'ip'}])
    expect(params[6]).toEqual([{value: '10.250.19.102:50010', type: 'ip'}])
  })

  it('masks UUIDs, hex and paths', () => {
    const {tokens, params} = mask('[instance: 70c1714b-c11b-4c88-b300-239afe1f5ff8] HRESULT = 0x800f080d file /usr/lib/x.so')
    expect(tokens).toEqual(['[instance:', '<*>', 'HRESULT', '=', '<*>', 'file', '<*>'])
    expect(params[1]).toEqual([{value: '70c1714b-c11b-4c88-b300-239afe1f5ff8', type: 'uuid'}])
    expect(params[4]).toEqual([{value: '0x800f080d', type: 'hex'}])
    expect(params[6]).toEqual([{value: '/usr/lib/x.so', type: 'path'}])
  })

  it('masks values inside key=value tokens and keeps the key', () => {
    const {tokens, params} = mask('uid=0 rhost=220.135.151.1 user=root size=1024,')
    expect(tokens).toEqual(['uid=<*>', 'rhost=<*>', 'user=root', 'size=<*>,'])
    expect(params[1]).toEqual([{value: '220.135.151.1', type: 'ip'}])
    expect(params[2]).toBeNull()
    expect(params[3]).toEqual([{value: '1024', type: 'number'}])
  })

  it('masks dates in messages, units after numbers and empty values', () => {
    expect(mask('connection from 1.2.3.4 () at Fri Jul  1 07:57:30 2005').tokens).toEqual([
      'connection', 'from', '<*>', '<*>', 'at', '<*>', '<*>', '<*>', '<*>', '<*>',
    ])
    expect(mask('close, 2034 bytes (1.98 KB) sent, lifetime <1 sec').tokens).toEqual([
      'close,', '<*>', 'bytes', '<*>', '<*>', 'sent,', 'lifetime', '<*>', '<*>',
    ])
    // Month names not next to a value stay words.
    expect(mask('May I ask').tokens).toEqual(['May', 'I', 'ask'])
  })

  it('masks access-log dates whole, so a new day makes no new template', () => {
    // HAProxy, Apache and nginx write dd/Mon/yyyy:hh:mm:ss; its month name kept it literal before.
    const day1 = mask('1.2.3.4:1037 [03/Apr/2026:00:00:00.228] fe_https~ be/app-2 200')
    const day2 = mask('1.2.3.4:1037 [04/May/2026:23:59:59.001] fe_https~ be/app-2 200')
    expect(day1.tokens).toEqual(['<*>', '<*>', 'fe_https~', '<*>', '<*>'])
    expect(day2.tokens).toEqual(day1.tokens)
    expect(day1.params[1]).toEqual([{value: '03/Apr/2026:00:00:00.228', type: 'time'}])
    expect(mask('at [10/Oct/2000:13:55:36 -0700] "GET').tokens).toEqual(['at', '<*>', '<*>', '"GET'])
    expect(cls('03-Apr-2026')).toBe('time')
    expect(cls('3/apr/2026')).toBe('time')
    // Not a month, or not a date: what it was before.
    expect(mask('x 03/Apx/2026:00:00 y').tokens).toEqual(['x', '03/Apx/2026:<*>:<*>', 'y'])
    expect(cls('03/Apr/26')).toBeNull()
    expect(cls('03/Apr/2026:later')).toBeNull()
    // ISO times in UTC are one time, also after a key.
    expect(cls('2026-04-03T00:00:00Z')).toBe('time')
    expect(mask('at date=2026-04-03T00:00:00.5Z').params[1]).toEqual([{value: '2026-04-03T00:00:00.5Z', type: 'time'}])
  })

  it('collapses tokens made only of parameters', () => {
    expect(mask('10.11.21.123,10.11.10.1 x 1514038440000##7023##548365').tokens).toEqual(['<*>', 'x', '<*>'])
  })

  it('keeps words with a trailing digit but masks identifier-like mixes', () => {
    expect(mask('through proxy SOCKS5 on awdl0').tokens).toEqual(['through', 'proxy', 'SOCKS5', 'on', 'awdl0'])
    expect(mask('Session: 30546173_4261722401 node-17').tokens).toEqual(['Session:', '<*>', '<*>'])
  })

  it('scan() agrees with tokenize() and matches() compares without materialising', () => {
    const m = new Masker()
    const line = 'PacketResponder 1 for block blk_38865049064139660 terminating'
    const n = m.scan(line)
    expect(n).toBe(6)
    const tokens = m.materialize()
    expect(tokens).toEqual(['PacketResponder', '<*>', 'for', 'block', '<*>', 'terminating'])
    expect(m.matches(tokens)).toBe(true)
    expect(m.matches(['PacketResponder', '<*>', 'for', 'block', '<*>', 'terminated'])).toBe(false)
    const h = m.hash
    m.scan('PacketResponder 2 for block blk_-5 terminating')
    expect(m.hash).toBe(h)
    m.scan('PacketResponder 2 for block blk_-5 terminated')
    expect(m.hash).not.toBe(h)
  })
})

describe('ipEnd (the one-pass ip check of shape plans)', () => {
  // What the plans did before: find the run of digits, dots and colons, then ask isIp about it.
  const twoPass = (s: Buffer, a: number, to: number): number => {
    let j = a
    while (j < to && ((s[j] >= 48 && s[j] <= 57) || s[j] === 46 || s[j] === 58)) j++
    return isIp(s, a, j) ? j : -1
  }

  it('agrees with isIp over its run on every string of a small alphabet, and on real addresses', () => {
    const rng = mulberry32(7)
    const alphabet = '0123456789....::: /a'
    let ips = 0
    for (let n = 0; n < 200_000; n++) {
      const length = 1 + Math.floor(rng() * 24)
      let text = ''
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(rng() * alphabet.length)]
      // Many near-addresses too: a valid quad, then something.
      if (n % 2 === 0) text = `${Math.floor(rng() * 300)}.${Math.floor(rng() * 300)}.${Math.floor(rng() * 300)}.${Math.floor(rng() * 300)}${text.slice(0, Math.floor(rng() * 6))}`
      const s = Buffer.from(text)
      const to = Math.floor(rng() * (s.length + 1))
      const expected = twoPass(s, 0, to)
      if (expected >= 0) ips++
      expect(ipEnd(s, 0, to), `${JSON.stringify(text)} to ${to}`).toBe(expected)
    }
    expect(ips).toBeGreaterThan(5_000)
    for (const text of ['10.251.73.220:50010', '10.251.73.220', '0.0.0.0:0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.', '1.2.3.4:', '01.002.3.4:5x'])
      expect(ipEnd(Buffer.from(text), 0, text.length), text).toBe(twoPass(Buffer.from(text), 0, text.length))
  })
})
