import {LETTER_LEVELS, LEVEL_WORDS} from '../../severity.js'
import type {LogRecord} from '../record.js'

/**
 * One log line format. Formats are stateless per line and never throw on odd input: `matches`
 * answers "does this line start a new record of this format", `parse` returns null when the line
 * does not fit (the caller then tries another format).
 */
export interface LogFormat {
  /** Short name used on the command line (`--format hdfs`). */
  readonly name: string
  /** One line for `--help` and `flare parse --list-formats`. */
  readonly description: string
  /**
   * How specific the format's shape is. Detection prefers the more specific of formats that match
   * a sample about equally well (openssh over syslog over generic). generic is 0.
   */
  readonly specificity: number
  /**
   * True when `parse` returns null exactly for the lines `matches` rejects, so a caller may skip
   * `matches` and save a second scan of every line (hdfs, bgl, jsonl).
   */
  readonly parseChecksMatch?: boolean
  /** True when the line starts a new record of this format. */
  matches(line: string): boolean
  /** The record for one physical line, or null when the line does not fit the format. */
  parse(line: string, lineId: number): LogRecord | null
  /**
   * For a format that wraps the lines a program wrote (container logs: CRI, Docker json-file):
   * what is inside a line, so the assembler joins a long line the runtime split into parts, and a
   * stack trace the program wrote one line at a time (wrapped-lines.ts).
   */
  readonly wrapping?: LineWrapping
}

/** One physical line of a wrapping format, unwrapped. */
export interface WrappedLine {
  /** The stream the program wrote to (stdout, stderr): parts and continuation lines join within one. */
  stream: string
  /** What the program wrote (this part of it, for a part), without the line's terminator. */
  text: string
  /** A part of a longer line, continued by the next line of the same stream (CRI tag P, a Docker `log` without "\n"). */
  partial: boolean
}

export interface LineWrapping {
  /** The line unwrapped, or undefined for a line of the format that wraps nothing (a JSON line that is no Docker record). */
  unwrap(line: string): WrappedLine | undefined
  /** A line of the format like `line` (its time, its stream) wrapping `text` instead: a line joined from its parts. */
  rewrap(line: string, text: string): string
}

// Level vocabulary lives in core/severity.ts; formats read it from here as before.
export {normalizeLevel, SYSLOG_SEVERITIES} from '../../severity.js'

/** Upper-case level words grouped by length, for allocation-free matching on hot paths. */
const BY_LENGTH: Array<Array<[string, string]>> = []
for (const [word, canonical] of Object.entries(LEVEL_WORDS)) (BY_LENGTH[word.length] ??= []).push([word, canonical])

/**
 * normalizeLevel for s[start, end) without allocating in the common upper-case case (INFO, WARN).
 * Other spellings (Info, warning) fall back to a lookup on the upper-cased slice.
 */
export function levelAt(s: string, start: number, end: number): string | undefined {
  const len = end - start
  if (len < 3 || len > 13) return undefined
  const list = BY_LENGTH[len]
  if (list === undefined) return undefined
  const c = s.charCodeAt(start)
  if (c >= 65 && c <= 90) {
    for (let i = 0; i < list.length; i++) if (s.startsWith(list[i][0], start)) return list[i][1]
    if (s.charCodeAt(start + 1) >= 65 && s.charCodeAt(start + 1) <= 90) return undefined
  } else if (c < 97 || c > 122) return undefined
  return LEVEL_WORDS[s.slice(start, end).toUpperCase()]
}

export function letterLevel(word: string): string | undefined {
  return word.length === 1 ? LETTER_LEVELS[word] : undefined
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9
}

/** Index of the first non-blank character at or after i. */
export function skipSpaces(s: string, i: number): number {
  const n = s.length
  while (i < n && isSpace(s.charCodeAt(i))) i++
  return i
}

/** Index of the next blank (or the end) at or after i. */
export function tokenEnd(s: string, i: number): number {
  const n = s.length
  while (i < n) {
    const c = s.charCodeAt(i)
    if (c === 32 || c === 9) return i
    i++
  }
  return n
}

/** Length of s without trailing blanks, CR and LF. */
export function trimmedEnd(s: string): number {
  let end = s.length
  while (end > 0) {
    const c = s.charCodeAt(end - 1)
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break
    end--
  }
  return end
}

/** s[start, end) without surrounding blanks; avoids a copy when nothing needs trimming. */
export function sliceTrim(s: string, start: number, end: number): string {
  while (start < end && isSpace(s.charCodeAt(start))) start++
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/** Index just past the `]` closing the `[` at i (nesting allowed), or -1. */
export function closeBracket(s: string, i: number, open = 91, close = 93): number {
  let depth = 0
  const n = s.length
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j)
    if (c === open) depth++
    else if (c === close && --depth === 0) return j + 1
  }
  return -1
}

/** Parses a run of decimal digits s[i, end) (no sign); -1 when a non-digit is present. */
export function digitsValue(s: string, i: number, end: number): number {
  if (end <= i) return -1
  let v = 0
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j)
    if (c < 48 || c > 57) return -1
    v = v * 10 + (c - 48)
  }
  return v
}
