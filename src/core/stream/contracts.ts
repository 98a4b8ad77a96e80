/**
 * The seams of live detection. Sources (followed files, stdin, syslog, OTLP) produce raw lines;
 * the engine turns them into sessions, scores and incident events; sinks (terminal, JSON lines,
 * webhooks) deliver those events. Sources and sinks know nothing of detection, and the engine
 * knows nothing of sockets or files, so each side is tested alone.
 */

/** One raw log line as it arrived, before format parsing. */
export interface LiveLine {
  /** The line without its terminator. */
  text: string
  /** Where it came from: a file path, `stdin`, `syslog-udp:127.0.0.1:5514`, `otlp`, ... */
  source: string
  /** Epoch ms when Flare received it (the fallback clock for lines without a timestamp). */
  arrivedAt: number
  /** Epoch ms of the event when the transport carries it (syslog header, OTLP timeUnixNano). */
  eventTime?: number
  /** Host name when the transport carries it (syslog HOSTNAME, OTLP resource host.name). */
  host?: string
  /** Program/service when the transport carries it (syslog APP-NAME/TAG, OTLP service.name). */
  component?: string
  /** Severity word when the transport carries it (syslog PRI, OTLP severityText). */
  level?: string
  /**
   * Sources that commit positions (Kafka) set it: the engine calls it once every session the line
   * went into was closed and scored (or at once when it went into none), so committing only acked
   * lines gives at-least-once scoring.
   */
  ack?: () => void
}

/**
 * Complete lines as the bytes they were read as (a followed file): the engine's byte path takes
 * them when it can (LiveEngine.ingestBytes), else they are decoded into lines as the source would
 * have delivered them. Each line ends with its newline; nothing else refers to the buffer until
 * `release` gives it back to the source.
 */
export interface LiveRegion {
  bytes: Buffer
  /** Lines in it (its newlines). */
  lines: number
  source: string
  arrivedAt: number
  /** Called once the region was ingested: its buffer may be reused. */
  release?: () => void
}

/**
 * Where a source delivers lines. `push` never blocks: it answers false when the line was dropped
 * because the queue is full (network sources count the drop). Sources that can wait (files,
 * stdin) await `room()` before reading on, so they never drop.
 */
export interface LineSink {
  /**
   * false: the line was dropped (the queue is full). A source that waits for `room()` before each
   * chunk passes `waits` and is never refused: the queue then holds at most a chunk beyond its size.
   */
  push(line: LiveLine, waits?: boolean): boolean
  room(): Promise<void>
  /**
   * Lines as bytes, from a source that waits for `room()` (never refused; counted as its lines).
   * Absent: the source splits them into lines and pushes those.
   */
  pushRegion?(region: LiveRegion): void
  /**
   * Resolves once every line pushed before the call was ingested, every open session closed and
   * scored and the resulting events delivered (a Kafka source before its partitions are revoked).
   */
  flush?(): Promise<void>
}

export interface SourceStats {
  /** Lines delivered to the sink. */
  lines: number
  /** Lines or frames refused: malformed, oversized, not the expected protocol. */
  rejected: number
  /** Lines lost because the queue was full. */
  dropped: number
  /** Human-readable notes on notable events (rotation, truncation, a bad frame), most recent last. */
  notes: string[]
}

export interface LineSource {
  /** A short label for status lines: `file:/var/log/syslog`, `syslog udp 127.0.0.1:5514`. */
  readonly name: string
  /** Starts delivering into `sink`; resolves once listening/reading has begun. */
  start(sink: LineSink): Promise<void>
  /** Stops reading and releases sockets/handles; resolves when nothing more will be pushed. */
  stop(): Promise<void>
  stats(): SourceStats
  /**
   * For finite inputs (stdin, a pipe): resolves once the input ended and every line was delivered.
   * Absent on sources that never end by themselves (followed files, listeners).
   */
  ended?(): Promise<void>
  /**
   * Called after the events of everything ingested so far were delivered: the acks seen before
   * are safe to commit. `final` after the shutdown's last delivery (after `stop()`): commit and
   * release what stop() kept for it.
   */
  settled?(final: boolean): Promise<void>
  /**
   * Followed files: where each open file's complete lines end, saved with `collect --state` so
   * that the next start reads on from there (lines written while Flare was stopped included).
   */
  resumePoints?(): Promise<FileResumePoint[]>
}

/** Where a followed file was read to (its last complete line's end), and the bytes just before, to know it again. */
export interface FileResumePoint {
  path: string
  /** dev:ino of the file. */
  key: string
  position: number
  /** Up to 64 bytes before `position`, base64: the file is the same one, appended to, only if they are still there. */
  tail: string
}

/** An incident as the live engine tracks it. */
export interface LiveIncident {
  id: string
  severity: 'low' | 'medium' | 'high' | 'critical'
  /** The most anomalous template's text, for one-line displays. */
  title: string
  /** Template ids that characterise the incident (for matching and dedup). */
  signature: string[]
  /** Event time (ISO 8601) of the first and last anomalous session in it. */
  firstSeen: string
  lastSeen: string
  /** Wall-clock time (ISO 8601) the engine raised it, and the delay from firstSeen in ms. */
  detectedAt: string
  delayMs: number
  sessions: number
  score: number
  hosts: string[]
  sampleLines: string[]
  /** Plain-English explanation when `--summarize` produced one. */
  summary?: {rootCause: string; remediation: string[]; provider: string}
}

/**
 * Why an incident resolved: `quiet`, no anomalous session like it for the incident gap (event
 * time); `end of input`, the stream ended (a replay, stdin at its end); `stopped`, Flare was
 * stopped while it was open and no --state keeps it (not a sign the problem is gone).
 */
export type ResolvedReason = 'quiet' | 'end of input' | 'stopped'

export interface IncidentEvent {
  kind: 'opened' | 'updated' | 'resolved'
  /** Wall-clock ISO time of the event. */
  at: string
  incident: LiveIncident
  /** On `resolved` events: why (see ResolvedReason). */
  reason?: ResolvedReason
}

export interface EventSinkStats {
  delivered: number
  failed: number
  /** Events not sent because of dedup or the rate limit. */
  suppressed: number
}

export interface EventSink {
  readonly name: string
  /** Delivers one event; must not throw for delivery failures (count them instead). */
  send(event: IncidentEvent): Promise<void>
  /**
   * Its deliveries may take long (retries against a remote end that is down): the runner does not
   * wait for them, so a failing webhook never holds up reading, scoring or shutdown; close() bounds them.
   */
  readonly background?: boolean
  /** Flushes and releases; resolves within a bounded time even if the far end hangs. */
  close(): Promise<void>
  stats(): EventSinkStats
}
