import {statSync} from 'node:fs'
import {ExitCode, FlareError} from '../../errors.js'
import {maskUrl} from '../../secrets.js'
import type {FileResumePoint, LineSource} from '../contracts.js'
import {KafkaSource} from '../kafka/kafka-source.js'
import {isKafkaSpec, parseKafkaSpec, type KafkaSpec} from '../kafka/spec.js'
import {FileSource, type FileSourceOptions} from './file-source.js'
import {OtlpSource} from './otlp-source.js'
import {StreamSource} from './stream-source.js'
import {SyslogSource} from './syslog-source.js'

export {FileSource} from './file-source.js'
export {OtlpSource} from './otlp-source.js'
export {StreamSource} from './stream-source.js'
export {SyslogSource} from './syslog-source.js'
export {KafkaSource} from '../kafka/kafka-source.js'
export type {LiveSourceStats} from './source-stats.js'

export interface SourceOptions {
  onNote?: (note: string) => void
  maxLineBytes?: number
  fromStart?: boolean
  /** Consumer group of kafka:// sources that name none (collect --group). */
  group?: string
  /** Followed files' read positions from a --state (a file found there is read on from its point). */
  resume?: readonly FileResumePoint[]
  /** Files this run writes, never followed (FileSourceOptions.exclude). */
  exclude?: FileSourceOptions['exclude']
}

/** The consumer group when neither the spec nor --group names one. */
export const DEFAULT_KAFKA_GROUP = 'flare'

export type SourceSpec =
  | {kind: 'stdin'}
  | {kind: 'file'; pattern: string}
  | {kind: 'syslog'; transport: 'udp' | 'tcp'; host: string; port: number}
  | {kind: 'otlp'; host: string; port: number}
  | {kind: 'kafka'; kafka: KafkaSpec}

export const SOURCE_SPEC_HINT =
  "Sources: '-' (stdin), a path or glob (or file:PATTERN), syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, otlp+http://HOST:PORT, kafka://HOST:PORT/TOPIC?group=NAME."

const DEFAULT_PORTS: Record<string, number> = {'syslog+udp': 5514, 'syslog+tcp': 5514, 'otlp+http': 4318}

/** Reads a source spec; throws FlareError (exit 2) for one that names no known source. */
export function parseSourceSpec(spec: string): SourceSpec {
  const trimmed = spec.trim()
  if (trimmed === '') throw badSpec(spec, 'it is empty')
  if (trimmed === '-') return {kind: 'stdin'}
  if (isKafkaSpec(trimmed)) return {kind: 'kafka', kafka: parseKafkaSpec(trimmed, 'source')}
  if (trimmed.startsWith('file:')) {
    const pattern = trimmed.slice(trimmed.startsWith('file://') ? 7 : 5)
    if (pattern === '') throw badSpec(spec, 'file: needs a path or glob')
    return {kind: 'file', pattern}
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(trimmed)
  if (scheme === null) return {kind: 'file', pattern: trimmed}
  const name = scheme[1].toLowerCase()
  if (!(name in DEFAULT_PORTS)) throw badSpec(spec, `unknown scheme ${name}://`)
  const address = /^(\[[0-9a-f:.]+\]|[^:/[\]]*)(?::(\d{1,5}))?\/?$/i.exec(scheme[2])
  if (address === null) throw badSpec(spec, 'expected HOST:PORT after the scheme')
  const host = address[1] === '' ? '127.0.0.1' : address[1].replace(/^\[|\]$/g, '')
  const port = address[2] === undefined ? DEFAULT_PORTS[name] : Number(address[2])
  if (port > 65_535) throw badSpec(spec, `port ${port} is out of range`)
  if (name === 'otlp+http') return {kind: 'otlp', host, port}
  return {kind: 'syslog', transport: name === 'syslog+udp' ? 'udp' : 'tcp', host, port}
}

/**
 * specs: '-' (stdin), a path or glob or 'file:PATTERN' (followed), 'syslog+udp://H:P',
 * 'syslog+tcp://H:P', 'otlp+http://H:P'. Listeners bind 127.0.0.1 unless the spec names a host.
 * Throws FlareError (exit 2) for a bad spec.
 */
export function openSources(specs: string[], options: SourceOptions = {}): LineSource[] {
  const parsed = specs.map(parseSourceSpec)
  if (parsed.filter((s) => s.kind === 'stdin').length > 1) throw badSpec('-', 'stdin can be read only once')
  return parsed.map((spec) => {
    switch (spec.kind) {
      case 'stdin':
        return new StreamSource(process.stdin, 'stdin', options)
      case 'file':
        // A directory is never a log: followed, it would only say "skipped" forever.
        if (!/[*?[{]/.test(spec.pattern) && isDirectory(spec.pattern)) throw badSpec(spec.pattern, `it is a directory; name its files, e.g. '${spec.pattern.replace(/\/+$/, '')}/*.log'`)
        return new FileSource(spec.pattern, options)
      case 'syslog':
        return new SyslogSource(spec.transport, spec.host, spec.port, {onNote: options.onNote, maxFrameBytes: options.maxLineBytes})
      case 'otlp':
        return new OtlpSource(spec.host, spec.port, {onNote: options.onNote, maxLineBytes: options.maxLineBytes})
      case 'kafka':
        return new KafkaSource({...spec.kafka, group: spec.kafka.group ?? options.group ?? DEFAULT_KAFKA_GROUP}, {onNote: options.onNote})
    }
  })
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function badSpec(spec: string, why: string): FlareError {
  return new FlareError(`Bad source "${maskUrl(spec)}": ${why}.`, {exitCode: ExitCode.usage, hint: SOURCE_SPEC_HINT})
}
