import type {LogRecord} from '../record.js'
import {SYSLOG_SEVERITIES, type LogFormat} from './format.js'
import {bsdProgram, bsdRecord} from './syslog.js'

function isSshd(component: string | undefined): boolean {
  return component !== undefined && (component === 'sshd' || component.startsWith('sshd(') || component.startsWith('sshd-'))
}

/**
 * OpenSSH server logs: syslog lines from `sshd[pid]`
 * (`Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186`).
 * The sshd pid is the session key (kind 'pid'): one pid is one connection.
 */
export const opensshFormat: LogFormat = {
  name: 'openssh',
  description: 'OpenSSH server (syslog lines from sshd[pid]), sessions by sshd pid',
  specificity: 3,
  matches(line) {
    const p = bsdProgram(line)
    return p !== null && isSshd(p.parts.component) && p.parts.pid !== undefined
  },
  parse(line, lineId): LogRecord | null {
    const p = bsdProgram(line)
    if (!p) return null
    const record = bsdRecord(p.parts, lineId, 'openssh', p.pri >= 0 ? SYSLOG_SEVERITIES[p.pri % 8] : undefined)
    if (isSshd(p.parts.component) && p.parts.pid) {
      record.sessionKeys = [p.parts.pid]
      record.sessionKind = 'pid'
    }
    return record
  },
}
