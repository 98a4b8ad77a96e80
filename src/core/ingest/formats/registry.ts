import {ExitCode, FlareError} from '../../errors.js'
import {isContinuationLine} from '../continuation.js'
import {accessFormat} from './access.js'
import {bglFormat} from './bgl.js'
import {criFormat} from './cri.js'
import type {LogFormat} from './format.js'
import {genericFormat, genericFormatFor, sniffGenericColumns} from './generic.js'
import {hdfsFormat} from './hdfs.js'
import {jsonlFormat} from './jsonl.js'
import {logfmtFormat} from './logfmt.js'
import {opensshFormat} from './openssh.js'
import {syslogFormat} from './syslog.js'

/** Every built-in format, most specific first; generic (which accepts anything) last. */
export const FORMATS: readonly LogFormat[] = [jsonlFormat, logfmtFormat, hdfsFormat, bglFormat, accessFormat, criFormat, opensshFormat, syslogFormat, genericFormat]

export const FORMAT_NAMES: readonly string[] = FORMATS.map((f) => f.name)

/** The format called `name`, or a FlareError listing the valid names. */
export function getFormat(name: string): LogFormat {
  const format = FORMATS.find((f) => f.name === name.toLowerCase())
  if (!format)
    throw new FlareError(`Unknown log format "${name}".`, {
      exitCode: ExitCode.usage,
      hint: `Use one of: auto, ${FORMAT_NAMES.join(', ')}.`,
    })
  return format
}

export interface FormatDetection {
  format: LogFormat
  /** Share of the sample's non-empty lines the chosen format explains (matched, or continuation lines of a matched record), 0..1. */
  confidence: number
  /** Number of sample lines it explains. */
  matched: number
  /** Non-empty lines in the sample. */
  sampled: number
  /** 'explicit' when the caller named the format, 'detected' when a sample chose it. */
  source: 'explicit' | 'detected'
  /** Per-format match counts, for `--verbose` output and debugging. */
  scores: Array<{name: string; matched: number}>
}

/** Default number of non-empty lines inspected by detection. */
export const DETECTION_SAMPLE = 200

/** How far behind the best match rate a more specific format may be and still win. */
const SPECIFICITY_MARGIN = 0.02

/**
 * Picks the format that best explains a sample (the first DETECTION_SAMPLE non-empty lines are
 * used). A specific format wins over a less specific one that matches about as many lines (within
 * 2 points), so OpenSSH beats syslog on sshd-only logs and anything beats generic; a specific
 * format that matches fewer than half the lines never wins. With no usable lines, generic with
 * confidence 0. Generic comes fitted to the sample's header columns (genericFormatFor).
 */
export function detectFormat(sampleLines: readonly string[], formats: readonly LogFormat[] = FORMATS): FormatDetection {
  const lines: string[] = []
  for (const line of sampleLines) {
    if (line.trim().length === 0) continue
    lines.push(line)
    if (lines.length >= DETECTION_SAMPLE) break
  }
  // A continuation line (stack frame, indented text) after a matched line counts as explained.
  const scores = formats.map((f) => {
    let matched = 0
    let open = false
    for (const line of lines) {
      if (f.matches(line)) {
        matched++
        open = true
      } else if (open && isContinuationLine(line)) matched++
      else open = false
    }
    return {format: f, matched}
  })
  const n = lines.length
  const fallback = formats.find((f) => f.specificity === 0) ?? genericFormat
  const summary = scores.map((s) => ({name: s.format.name, matched: s.matched}))
  if (n === 0) return {format: fallback, confidence: 0, matched: 0, sampled: 0, source: 'detected', scores: summary}

  const best = Math.max(...scores.map((s) => s.matched)) / n
  const qualifying = scores
    .filter((s) => s.matched / n >= best - SPECIFICITY_MARGIN && (s.format.specificity === 0 || s.matched / n >= 0.5))
    .sort((a, b) => b.format.specificity - a.format.specificity || b.matched - a.matched)
  const chosen = qualifying[0] ?? scores.find((s) => s.format === fallback) ?? {format: fallback, matched: 0}
  // The generic grammar cannot tell a host or id column from a message word on one line; the sample can.
  let format = chosen.format === genericFormat ? genericFormatFor(lines) : chosen.format
  if (chosen.format === syslogFormat && formats.includes(genericFormat)) format = untaggedSyslog(lines) ?? format
  return {format, confidence: chosen.matched / n, matched: chosen.matched, sampled: n, source: 'detected', scores: summary}
}

/** Share of the sample's syslog lines without a `prog:` tag above which the file is not syslog. */
const UNTAGGED = 0.9

/**
 * `2026-03-04T09:05:17Z node-17 12345 Starting job 881` fits syslog's RFC 3339 shape, but without a
 * `prog[pid]:` tag syslog would leave the pid in the message. When (nearly) no line has a tag and
 * the sample shows a host column, the fitted generic format reads the file instead.
 */
function untaggedSyslog(lines: readonly string[]): LogFormat | undefined {
  let syslog = 0
  let untagged = 0
  for (const line of lines) {
    const record = syslogFormat.matches(line) ? syslogFormat.parse(line, 0) : null
    if (!record) continue
    syslog++
    if (record.component === undefined) untagged++
  }
  if (syslog === 0 || untagged < UNTAGGED * syslog) return undefined
  const columns = sniffGenericColumns(lines)
  return columns[0] === 'host' ? genericFormatFor(lines, columns) : undefined
}

/**
 * The format for one line that does not fit the file's format (a file that switches format part
 * way): the first specific format that matches it, else generic.
 */
export function detectLineFormat(line: string, exclude?: LogFormat, formats: readonly LogFormat[] = FORMATS): LogFormat {
  for (const f of formats) if (f !== exclude && f.specificity > 0 && f.matches(line)) return f
  return formats.find((f) => f.specificity === 0) ?? genericFormat
}
