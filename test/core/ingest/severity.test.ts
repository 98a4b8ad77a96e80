import {describe, expect, it} from 'vitest'
import {syslogFormat} from '../../../src/core/ingest/index.js'
import {CANONICAL_LEVELS, isCriticalLevel, isErrorLevel, LEVEL_RANK, LEVEL_WORDS, levelClass, levelInMessage, mentionsFailure, normalizeLevel} from '../../../src/core/severity.js'

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

describe('a level stated in the message (levelInMessage)', () => {
  it('finds FATAL:, [error], CRIT and panic: near the start of the message', () => {
    expect(levelInMessage('FATAL:  sorry, too many clients already')).toBe('FATAL')
    expect(levelInMessage('2026/01/05 10:00:01 [error] 731#0: *18 upstream timed out (110: Connection timed out)')).toBe('ERROR')
    expect(levelInMessage('CRIT disk /dev/sda1 is failing')).toBe('CRITICAL')
    expect(levelInMessage('panic: runtime error: index out of range')).toBe('EMERGENCY')
    expect(levelInMessage('<warn> link flapping on eth0')).toBe('WARN')
  })

  it('leaves ordinary words, half-bracketed words and late mentions alone', () => {
    expect(levelInMessage('session opened for user root')).toBeUndefined()
    expect(levelInMessage('recovered from a failure in the log shipper')).toBeUndefined()
    expect(levelInMessage('[error while reading')).toBeUndefined()
    expect(levelInMessage(`${'x'.repeat(60)} ERROR late`)).toBeUndefined()
  })
})

describe('syslog lines without <PRI> take the level their message states', () => {
  it('postgres FATAL is FATAL, nginx [error] is ERROR, a plain line has none; <PRI> still wins', () => {
    expect(syslogFormat.parse('Jan  5 10:00:01 db-01 postgres[812]: FATAL:  sorry, too many clients already', 1)?.level).toBe('FATAL')
    expect(syslogFormat.parse('Jan  5 10:00:01 web-01 nginx: 2026/01/05 10:00:01 [error] 731#0: *18 upstream timed out', 2)?.level).toBe('ERROR')
    expect(syslogFormat.parse('Jan  5 10:00:01 web-01 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)', 3)?.level).toBeUndefined()
    expect(syslogFormat.parse('<14>Jan  5 10:00:01 db-01 postgres[812]: FATAL: x', 4)?.level).toBe('INFO')
  })
})
