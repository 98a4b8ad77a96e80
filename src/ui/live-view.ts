import type {IncidentEvent} from '../core/stream/contracts.js'
import type {EngineStats} from '../core/stream/engine.js'
import type {RunnerStatus} from '../core/stream/runner.js'
import {int, ms, truncate, utcClock, visible} from './format.js'

/** Detection delays above this are event times far from the wall clock (a replayed log), not delays. */
const MAX_SHOWN_DELAY_MS = 86_400_000
import {err, severityColor} from './style.js'

/** One line per incident event, for the terminal (stderr when stdout is piped). */
/**
 * A note of the live commands on stderr, dimmed. Notes quote log text (an unseen template, a
 * rejected frame): its control characters are written out, so a line cannot drive the terminal.
 */
export function liveNote(text: string): void {
  process.stderr.write(`${err.dim(visible(text))}\n`)
}

export function incidentLine(event: IncidentEvent): string {
  const i = event.incident
  const stopped = event.kind === 'resolved' && event.reason === 'stopped'
  const kind = event.kind === 'opened' ? err.bold('opened  ') : event.kind === 'updated' ? 'updated ' : stopped ? err.yellow('closed  ') : err.green('resolved')
  const color = severityColor[i.severity] ?? ((s: string) => s)
  // (a replayed old log has event times years before the wall clock: no delay worth showing)
  const delay = event.kind === 'opened' ? (i.delayMs >= 0 && i.delayMs <= MAX_SHOWN_DELAY_MS ? err.dim(` · +${ms(i.delayMs)} after its first line`) : '') : stopped ? err.dim(' · Flare stopped watching; not seen to resolve') : event.reason === 'end of input' ? err.dim(' · end of input') : ''
  return `${err.dim(utcClock(event.at))} ${kind} ${i.id} ${color(i.severity.padEnd(8))} ${int(i.sessions).padStart(5)} sess  ${truncate(visible(i.title), 70)}${delay}${i.summary ? `\n              ${err.dim('→')} ${truncate(visible(i.summary.rootCause), 110)}` : ''}`
}

/**
 * An incident event as the live commands show it: a JSON line on stdout with `json`; else a line on
 * stdout for a person at a terminal (`log`), on stderr when stdout is piped (stdout is data then).
 */
export function showEvent(event: IncidentEvent, json: boolean, log: (line: string) => void): void {
  if (json) process.stdout.write(JSON.stringify(event) + '\n')
  else if (process.stdout.isTTY) log(incidentLine(event))
  else process.stderr.write(`${incidentLine(event)}\n`)
}

/** The counters line of the live view. */
/** The status line on stderr, after `prefix` (its styling kept: statusLine writes out what it quotes). */
export function liveStatus(s: RunnerStatus, prefix = ''): void {
  process.stderr.write(`${err.dim(prefix)}${statusLine(s)}\n`)
}

export function statusLine(s: RunnerStatus): string {
  const e = s.engine
  const closed = Object.values(e.sessions.closed).reduce((a, b) => a + b, 0)
  const parts = [
    `${int(e.lines)} lines`,
    e.phase === 'training' ? `training (${int(e.trainingRecords)} records)` : `${int(e.openSessions)} open / ${int(closed)} closed sessions`,
    `${int(e.anomalous)} anomalous`,
    `${int(e.openIncidents)} open incidents (${int(e.incidentsOpened)} raised${e.incidentsResumed > 0 ? `, ${int(e.incidentsResumed)} resumed from --state` : ''})`,
    `${int(e.templates)} templates${e.unseenTemplates ? ` (${int(e.unseenTemplates)} unseen)` : ''}`,
  ]
  if (s.dropped) parts.push(err.yellow(`${int(s.dropped)} dropped`))
  if (e.sessions.closed['max-open']) parts.push(err.yellow(`${int(e.sessions.closed['max-open'])} closed early (--max-open)`))
  if (e.sessions.late) parts.push(`${int(e.sessions.late)} late`)
  if (s.rejected) parts.push(err.yellow(`${int(s.rejected)} rejected (not log lines or malformed frames)`))
  parts.push(...sinkProblems(s.sinks))
  return err.dim(parts.join(' · '))
}

/** What the sinks could not deliver or did not send, one part per sink and kind (collect's status, replay's end). */
export function sinkProblems(sinks: RunnerStatus['sinks']): string[] {
  const parts: string[] = []
  for (const sink of sinks) {
    if (sink.failed) parts.push(err.yellow(`${visible(sink.name)}: ${int(sink.failed)} events not delivered`))
    if (sink.suppressed) parts.push(err.yellow(`${visible(sink.name)}: ${int(sink.suppressed)} events not sent (repeats, or over its rate limit)`))
  }
  return parts
}

/** A run whose every record went into training scored nothing: say so, or it reads as "no anomalies". */
export function nothingScoredWarning(stats: EngineStats): string | undefined {
  if (stats.scored > 0) return undefined
  if (stats.trainingRecords === 0) {
    if (stats.lines === 0) return undefined
    const unassigned = stats.sessions.unassigned > 0 ? `, ${stats.sessions.unassigned.toLocaleString('en-US')} records carried no id of the model's sessions` : ''
    return `${stats.lines.toLocaleString('en-US')} lines were read but no session was ever scored${unassigned}: no incident does not mean no anomaly → check that the log is the kind the model was fitted on (flare detect -i FILE --save-model DIR fits one on it)`
  }
  return `every record (${stats.trainingRecords.toLocaleString('en-US')}) went into training, so nothing was scored: no incident does not mean no anomaly → train on a stretch shorter than the log (--train-for ${Math.max(10, Math.floor(stats.trainingRecords / 4))}), or score with a saved model (--model DIR)`
}
