import type {IngestWarning} from '../ingest/warning.js'

/** Records a run put into no session (no id of its session key), and how many of them were at ERROR level or worse. */
export interface UnassignedLines {
  lines: number
  errors: number
}

/** The results summary's fields for them: absent when every record went into a session (results as before). */
export function unassignedSummary(u: UnassignedLines): {unassigned?: number; unassigned_errors?: number} {
  if (u.lines === 0) return {}
  return {unassigned: u.lines, unassigned_errors: u.errors}
}

/**
 * The warnings for records that went into no session: they were not scored, so an outage logged
 * only there (a FATAL line without a request id) would not show. The errors among them get a line of their own.
 */
export function unassignedWarnings(u: UnassignedLines, sessionKey: string): IngestWarning[] {
  if (u.lines === 0 || sessionKey === 'window') return []
  const hint = 'group every line by time with --session-key window (or fit a model on those lines apart)'
  const n = u.lines.toLocaleString('en-US')
  const warnings: IngestWarning[] = [{code: 'unassigned-lines', message: `${n} ${u.lines === 1 ? 'line carries' : 'lines carry'} no ${sessionKey} id: they went into no session and were not scored`}]
  if (u.errors > 0) {
    const e = u.errors.toLocaleString('en-US')
    warnings.push({code: 'unassigned-lines', message: `${e} of them ${u.errors === 1 ? 'is' : 'are'} at ERROR level or worse (error, critical, fatal): what they report is not in these results`})
  }
  warnings[warnings.length - 1].hint = hint
  return warnings
}
