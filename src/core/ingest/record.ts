/**
 * One log event after format parsing. A multi-line event (a stack trace) is one record of
 * `lineCount` physical lines starting at `lineId` (which lineIds lists when others lie between them).
 */
export interface LogRecord {
  /** 1-based line number of the record's first physical line in the input. */
  lineId: number
  /** Number of physical lines this record holds (1 unless continuation lines were joined). */
  lineCount: number
  /**
   * Set only when the record's lines are not the lineCount lines from lineId: its physical lines,
   * in order (a container's stack trace on stderr while stdout wrote between its lines).
   */
  lineIds?: number[]
  /** Epoch milliseconds, when the format carries a timestamp that could be read. */
  timestamp?: number
  /** The timestamp text as it appeared in the line. */
  rawTimestamp?: string
  /** Upper-case level word (INFO, WARN, ERROR, ...), when present. */
  level?: string
  /** Emitting component / program / logger, when present. */
  component?: string
  /** The free-text message that templates are mined from. */
  content: string
  /** Session identifiers this record belongs to (HDFS block ids, request/trace ids, pids). */
  sessionKeys: string[]
  /** Kind of the session keys: 'block' | 'request' | 'pid' | ... (empty keys => none). */
  sessionKind?: SessionKind
  /** Name of the format that parsed this record. */
  format: string
  /** Host name, when the format carries one (syslog, OpenSSH, Thunderbird). */
  host?: string
  /** Process id as written in the line (syslog `prog[pid]`, HDFS, Android), when present. */
  pid?: string
  /** Web access records: the address of the client that made the request, as written. */
  client?: string
  /** Web access records: the response's HTTP status. */
  status?: number
  /** BGL-family per-line alert category (`-` = not an alert), kept for evaluation. */
  alertLabel?: string
}

export type SessionKind = 'block' | 'request' | 'pid'
