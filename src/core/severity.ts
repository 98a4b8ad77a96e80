/**
 * The one vocabulary of log levels and failure words. Ingest normalises level words with it,
 * sessions count error and warning lines with it, incidents rate severity with it, and the
 * explainers (offline and the prompts) read incidents with it — so "is this an error", "is this
 * critical" and "does this text name a failure" get the same answer everywhere.
 */
import type {Severity} from './results.js'

/** Canonical levels, least to most severe. EMERGENCY and FATAL share the top rank. */
export const CANONICAL_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY', 'FATAL'] as const
export type CanonicalLevel = (typeof CANONICAL_LEVELS)[number]

/**
 * Severity rank of each canonical level, to keep the worst level seen (e.g. per template).
 * A level outside this table (a raw word a format kept as is) ranks as INFO.
 */
export const LEVEL_RANK: Readonly<Record<string, number>> = {TRACE: 0, DEBUG: 1, INFO: 2, NOTICE: 3, WARN: 4, ERROR: 5, CRITICAL: 6, ALERT: 7, EMERGENCY: 8, FATAL: 8}

/** Level words as logs spell them (upper case) → canonical level. */
export const LEVEL_WORDS: Readonly<Record<string, CanonicalLevel>> = {
  TRACE: 'TRACE',
  FINEST: 'TRACE',
  FINER: 'TRACE',
  VERBOSE: 'TRACE',
  DEBUG: 'DEBUG',
  DBG: 'DEBUG',
  FINE: 'DEBUG',
  CONFIG: 'DEBUG',
  INFO: 'INFO',
  INFORMATION: 'INFO',
  INFORMATIONAL: 'INFO',
  NOTICE: 'NOTICE',
  // PostgreSQL's routine level
  LOG: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  ERROR: 'ERROR',
  ERR: 'ERROR',
  SEVERE: 'ERROR',
  FAILURE: 'ERROR',
  CRIT: 'CRITICAL',
  CRITICAL: 'CRITICAL',
  ALERT: 'ALERT',
  EMERG: 'EMERGENCY',
  EMERGENCY: 'EMERGENCY',
  PANIC: 'EMERGENCY',
  FATAL: 'FATAL',
}

/** Android logcat single-letter priorities. */
export const LETTER_LEVELS: Readonly<Record<string, CanonicalLevel>> = {V: 'TRACE', D: 'DEBUG', I: 'INFO', W: 'WARN', E: 'ERROR', F: 'FATAL', A: 'FATAL'}

/** Syslog severities 0..7. */
export const SYSLOG_SEVERITIES = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARN', 'NOTICE', 'INFO', 'DEBUG'] as const

/** Bunyan / pino numeric levels. */
export const NUMERIC_LEVELS: Readonly<Record<number, CanonicalLevel>> = {10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL'}

/** The canonical level for a level word (any case), or undefined when the word is not a level. */
export function normalizeLevel(word: string): CanonicalLevel | undefined {
  if (word.length < 3 || word.length > 13) return undefined
  return LEVEL_WORDS[word] ?? LEVEL_WORDS[word.toUpperCase()]
}

/** 0 normal, 1 warning, 2 error or worse. */
export type LevelClass = 0 | 1 | 2

const classCache = new Map<string, LevelClass>()

/** How a level counts: 2 for ERROR and above (CRITICAL, ALERT, EMERGENCY, FATAL), 1 for WARN, else 0. */
export function levelClass(level: string | undefined): LevelClass {
  if (!level) return 0
  let c = classCache.get(level)
  if (c === undefined) {
    const rank = LEVEL_RANK[normalizeLevel(level) ?? ''] ?? 0
    c = rank >= LEVEL_RANK.ERROR ? 2 : rank === LEVEL_RANK.WARN ? 1 : 0
    if (classCache.size < 1000) classCache.set(level, c)
  }
  return c
}

/** ERROR or worse. */
export function isErrorLevel(level: string | undefined): boolean {
  return levelClass(level) === 2
}

/** CRITICAL, ALERT, EMERGENCY or FATAL: a line at this level makes an incident critical. */
export function isCriticalLevel(level: string | undefined): boolean {
  if (!level) return false
  return (LEVEL_RANK[normalizeLevel(level) ?? ''] ?? 0) >= LEVEL_RANK.CRITICAL
}

/**
 * Words and phrases that mark a line or template as describing a failure, whatever its level
 * (HDFS logs exceptions at INFO). Whole words only: "invalid" but not "invalidate", "fail(ed)"
 * but not "failover", "error" but not "terror"; an underscore before the word still separates
 * it (connect_error).
 */
export const FAILURE_WORDS = [
  'errors?',
  'exceptions?',
  'fail(?:s|ed|ing|ures?)?',
  'fatal',
  'panic(?:ked)?',
  'abort(?:s|ed)?',
  'crash(?:es|ed)?',
  'segfault',
  'segmentation fault',
  'refused',
  'denied',
  'time ?outs?',
  'timed ?out',
  'killed',
  'corrupt(?:ed|ion)?',
  'no space',
  'out of memory',
  'broken pipe',
  'reset by peer',
  'unreachable',
  'interrupted',
  'not found',
  'invalid',
  'unable',
  'cannot',
  "can't",
] as const

const FAILURE_TEXT = new RegExp(`(?<![a-z0-9])(?:${FAILURE_WORDS.join('|')})(?![a-z0-9_])`, 'i')
/** Java/.NET type names end in the failure word: IOException, OutOfMemoryError, SocketTimeoutException. */
const FAILURE_TYPE = /[a-z0-9](?:Exception|Error|Failure)s?(?![A-Za-z0-9_])/

/** True when the text names a failure (see FAILURE_WORDS). */
export function mentionsFailure(text: string): boolean {
  return FAILURE_TEXT.test(text) || FAILURE_TYPE.test(text)
}

/** An incident's severity and why, from its templates' levels and failure words and its share of the sessions (batch and live incidents alike). */
export function severityOf(tmpl: Array<{unseen: boolean; cls: number; failure: boolean; count: number}>, levels: Record<string, number>, size: number, total: number): {severity: Severity; reason: string} {
  const criticalLevel = Object.keys(levels).find(isCriticalLevel)
  const errorEvents = tmpl.filter((t) => t.cls === 2).reduce((s, t) => s + t.count, 0)
  if (criticalLevel) return {severity: 'critical', reason: `contains ${criticalLevel} lines`}
  if (errorEvents > 0 && size >= 5 && size / total >= 0.05) return {severity: 'critical', reason: `error lines in ${size} sessions (${((size / total) * 100).toFixed(1)}% of all)`}
  if (errorEvents > 0) return {severity: 'high', reason: `${errorEvents} error-level line${errorEvents === 1 ? '' : 's'}`}
  const unseenFailure = tmpl.filter((t) => t.unseen && t.failure)
  if (unseenFailure.length > 0) return {severity: 'high', reason: `${unseenFailure.length} failure template${unseenFailure.length === 1 ? '' : 's'} never seen in normal sessions`}
  const unseen = tmpl.filter((t) => t.unseen).length
  if (unseen > 0) return {severity: 'medium', reason: `${unseen} template${unseen === 1 ? '' : 's'} never seen in normal sessions`}
  const warnings = tmpl.filter((t) => t.cls === 1).reduce((s, t) => s + t.count, 0)
  if (warnings > 0) return {severity: 'medium', reason: `${warnings} warning line${warnings === 1 ? '' : 's'}`}
  if (size >= 10) return {severity: 'medium', reason: `${size} sessions share the same unusual pattern`}
  return {severity: 'low', reason: 'template counts differ from normal sessions; no failure lines'}
}
