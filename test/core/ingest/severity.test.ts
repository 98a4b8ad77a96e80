import {describe, expect, it} from 'vitest'
import {CANONICAL_LEVELS, isCriticalLevel, isErrorLevel, LEVEL_RANK, LEVEL_WORDS, levelClass, mentionsFailure, normalizeLevel} from '../../../src/core/severity.js'

describe('level vocabulary (core/severity.ts)', () => {
  it('every level word maps to a canonical level, ranked in order', () => {
    for (const canonical of Object.values(LEVEL_WORDS)) expect(CANONICAL_LEVELS).toContain(canonical)
    const ranks = CANONICAL_LEVELS.map((l) => LEVEL_RANK[l])
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
    expect(normalizeLevel('warning')).toBe('WARN')
    expect(normalizeLevel('Emerg')).toBe('EMERGENCY')
    expect(normalizeLevel('panic')).toBe('EMERGENCY')
    expect(normalizeLevel('informal')).toBeUndefined()
  })

  it('error or worse, in any spelling, counts as an error; WARN as a warning', () => {
    for (const l of ['ERROR', 'err', 'Severe', 'FAILURE', 'crit', 'CRITICAL', 'alert', 'EMERG', 'emergency', 'PANIC', 'fatal']) {
      expect([l, levelClass(l)]).toEqual([l, 2])
      expect(isErrorLevel(l)).toBe(true)
    }
    for (const l of ['WARN', 'warning']) expect(levelClass(l)).toBe(1)
    for (const l of [undefined, '', 'INFO', 'notice', 'DEBUG', 'SOMETHING']) expect(levelClass(l)).toBe(0)
  })

  it('CRITICAL, ALERT, EMERGENCY and FATAL are critical everywhere; ERROR is not', () => {
    for (const l of ['CRITICAL', 'crit', 'ALERT', 'alert', 'EMERGENCY', 'emerg', 'panic', 'FATAL']) expect([l, isCriticalLevel(l)]).toEqual([l, true])
    for (const l of [undefined, 'ERROR', 'SEVERE', 'WARN', 'INFO']) expect(isCriticalLevel(l)).toBe(false)
  })
})

describe('failure words', () => {
  it('match whole words and phrases, and Java type names ending in Exception/Error', () => {
    for (const text of [
      'writeBlock received exception java.io.IOException: Connection reset by peer',
      'java.lang.OutOfMemoryError: Java heap space',
      'SocketTimeoutException while waiting for channel',
      'Connection refused',
      'Task attempt_1 killed by the framework',
      'No space left on device',
      'Unable to resolve host',
      'Cannot open file /tmp/x for writing',
      "can't bind to port 80",
      'read timed out',
      'request timeout after 30s',
      'PacketResponder 1 for block blk_1 Interrupted.',
      'upload FAILED',
      'permission denied',
      'kernel panic - not syncing',
      'connect_error code=7',
      'segfault at 0 ip 00007f',
      'process aborted',
    ]) {
      expect([text, mentionsFailure(text)]).toEqual([text, true])
    }
  })

  it('leave ordinary words alone', () => {
    for (const text of [
      'maxTaskFailuresPerNode is 3',
      'cache invalidated for key 7',
      'reading terror.txt from the mirror',
      'error_count=0 in report',
      'failover to standby complete',
      'uninterrupted service for 30 days',
      'Received block blk_1 of size 67108864',
      'timeouts_configured true',
    ]) {
      expect([text, mentionsFailure(text)]).toEqual([text, false])
    }
  })
})
