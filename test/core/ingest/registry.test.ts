import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {detectFormat, detectLineFormat, describeDetection, FORMAT_NAMES, getFormat} from '../../../src/core/ingest/index.js'
import {FlareError} from '../../../src/core/errors.js'
import {fixtures} from './helpers.js'

const lines = (name: string) => readFileSync(path.join(fixtures, name), 'utf8').split('\n')

describe('format registry', () => {
  it('lists formats by name and refuses unknown ones with the valid names', () => {
    expect(FORMAT_NAMES).toEqual(['jsonl', 'logfmt', 'hdfs', 'bgl', 'access', 'cri', 'openssh', 'syslog', 'generic'])
    expect(getFormat('HDFS').name).toBe('hdfs')
    expect(() => getFormat('log4j')).toThrow(FlareError)
    try {
      getFormat('log4j')
    } catch (e) {
      expect((e as FlareError).hint).toMatch(/auto, jsonl, logfmt, hdfs/)
    }
  })

  it.each([
    ['hdfs.log', 'hdfs'],
    ['syslog.log', 'syslog'],
    ['openssh.log', 'openssh'],
    ['bgl.log', 'bgl'],
    ['app.jsonl', 'jsonl'],
    ['app.logfmt', 'logfmt'],
    ['generic-shapes.log', 'generic'],
    ['java-stack.log', 'generic'],
  ])('detects %s as %s', (file, name) => {
    const d = detectFormat(lines(file))
    expect(d.format.name).toBe(name)
    expect(d.confidence).toBeGreaterThan(0.5)
    expect(d.source).toBe('detected')
  })

  it('prefers openssh over syslog on sshd-only logs but syslog when sshd is a minority', () => {
    const ssh = lines('openssh.log').filter(Boolean)
    expect(detectFormat(ssh).format.name).toBe('openssh')
    const mixed = [...ssh.slice(0, 2), ...lines('syslog.log').filter(Boolean).slice(0, 6)]
    expect(detectFormat(mixed).format.name).toBe('syslog')
  })

  it('keeps a specific format when a few lines are odd, and falls back to generic when most are', () => {
    const hdfs = lines('hdfs.log').filter(Boolean)
    const d = detectFormat([...hdfs, ...hdfs, ...hdfs, ...hdfs, 'garbage line'])
    expect(d.format.name).toBe('hdfs')
    expect(d.matched).toBe(20)
    expect(d.sampled).toBe(21)
    expect(describeDetection(d)).toBe('hdfs (95% of 21 sampled lines)')
    expect(detectFormat([hdfs[0], 'a', 'b', 'c']).format.name).toBe('generic')
  })

  it('returns generic with confidence 0 for an empty sample', () => {
    const d = detectFormat(['', '   '])
    expect(d).toMatchObject({confidence: 0, sampled: 0})
    expect(d.format.name).toBe('generic')
  })

  it('samples at most 200 non-empty lines', () => {
    const d = detectFormat([...Array(300).fill(lines('hdfs.log')[0]), ...Array(300).fill('x')])
    expect(d.sampled).toBe(200)
    expect(d.confidence).toBe(1)
  })

  it('re-detects single lines', () => {
    expect(detectLineFormat('Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user x').name).toBe('openssh')
    expect(detectLineFormat('{"msg":"hi"}').name).toBe('jsonl')
    expect(detectLineFormat('2024-01-01 10:00:00 INFO x').name).toBe('generic')
  })
})
