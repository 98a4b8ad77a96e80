/** A problem in the input that ingest worked around; counted in the stats and reported, never fatal. */
export interface IngestWarning {
  code: IngestWarningCode
  /** Plain-words description, ready to print. */
  message: string
  /** 1-based physical line the warning is about, when it is about one line. */
  lineId?: number
  /** What to do about it, printed after an arrow. */
  hint?: string
}

export type IngestWarningCode =
  | 'line-truncated'
  | 'invalid-utf8'
  | 'warnings-suppressed'
  | 'record-too-long'
  /** The input file was truncated, replaced or deleted while Flare read it. */
  | 'input-changed'
  /** A format given with --format fits few of the lines. */
  | 'format-mismatch'
  /** A --state file written while scoring with another model: its templates were not used. */
  | 'state-other-model'
  /** Records that carry no id of the session key: they went into no session and were not scored. */
  | 'unassigned-lines'
  /** A saved model or template state holds templates with credentials in them (src/ui/credential-warning.ts). */
  | 'credential-templates'

export type WarningSink = (warning: IngestWarning) => void

/**
 * Forwards the first `limit` warnings of each code, then one 'warnings-suppressed' note per code,
 * so a file with 50,000 Latin-1 lines produces five messages, not 50,000. Exact counts live in
 * the stats objects.
 */
export function limitWarnings(sink: WarningSink | undefined, limit = 5): WarningSink {
  if (!sink) return () => {}
  const seen = new Map<IngestWarningCode, number>()
  return (warning) => {
    const n = (seen.get(warning.code) ?? 0) + 1
    seen.set(warning.code, n)
    if (n <= limit) sink(warning)
    else if (n === limit + 1)
      sink({
        code: 'warnings-suppressed',
        message: `More '${warning.code}' warnings suppressed; the final counts are in the ingest stats.`,
      })
  }
}
