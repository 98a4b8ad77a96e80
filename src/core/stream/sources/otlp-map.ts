/**
 * OTLP log records (a decoded ExportLogsServiceRequest, from JSON or protobuf: both use the
 * lowerCamelCase names) to the fields of LiveLines. snake_case names are read too, as the OTLP/JSON
 * spec lets receivers do.
 */

export interface OtlpRecordLine {
  text: string
  eventTime?: number
  host?: string
  component?: string
  level?: string
}

export interface OtlpMapResult {
  records: number
  rejected: number
  /** The first rejection's reason, for partial_success.error_message. */
  reason?: string
}

type Obj = Record<string, unknown>

const SEVERITY_WORDS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']

/** Whether a parsed JSON body has the shape of an ExportLogsServiceRequest. */
export function looksLikeLogsRequest(body: unknown): body is Obj {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const logs = field(body as Obj, 'resourceLogs', 'resource_logs')
  if (logs === undefined) return Object.keys(body).length === 0
  return Array.isArray(logs)
}

/** Calls `emit` for each line of each record's body; records without a usable body are rejected. */
export function mapLogsRequest(request: Obj, emit: (line: OtlpRecordLine) => void): OtlpMapResult {
  const result: OtlpMapResult = {records: 0, rejected: 0}
  for (const resourceLogs of list(field(request, 'resourceLogs', 'resource_logs'))) {
    const resource = asObj(field(resourceLogs, 'resource'))
    const attributes = attributeMap(field(resource, 'attributes'))
    const component = textOf(attributes.get('service.name'))
    const host = textOf(attributes.get('host.name'))
    for (const scopeLogs of list(field(resourceLogs, 'scopeLogs', 'scope_logs'))) {
      for (const record of list(field(scopeLogs, 'logRecords', 'log_records'))) {
        result.records++
        const body = plain(field(record, 'body'))
        const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
        const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
        if (lines.length === 0) {
          result.rejected++
          result.reason ??= 'log record without a body'
          continue
        }
        const eventTime = nanosToMs(field(record, 'timeUnixNano', 'time_unix_nano')) ?? nanosToMs(field(record, 'observedTimeUnixNano', 'observed_time_unix_nano'))
        const level = levelOf(field(record, 'severityText', 'severity_text'), field(record, 'severityNumber', 'severity_number'))
        for (const line of lines) emit({text: line, eventTime, host, component, level})
      }
    }
  }
  return result
}

function field(obj: Obj | undefined, name: string, snake?: string): unknown {
  if (obj === undefined) return undefined
  return obj[name] ?? (snake === undefined ? undefined : obj[snake])
}

function asObj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(asObj).filter((v): v is Obj => v !== undefined) : []
}

function attributeMap(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>()
  for (const kv of list(value)) if (typeof kv.key === 'string') map.set(kv.key, plain(kv.value))
  return map
}

/** An AnyValue as a plain JS value: strings stay strings, lists and maps become arrays and objects. */
function plain(value: unknown): unknown {
  const any = asObj(value)
  if (any === undefined) return undefined
  const v = (name: string, snake: string) => field(any, name, snake)
  if (v('stringValue', 'string_value') !== undefined) return String(v('stringValue', 'string_value'))
  if (v('boolValue', 'bool_value') !== undefined) return Boolean(v('boolValue', 'bool_value'))
  if (v('intValue', 'int_value') !== undefined) return String(v('intValue', 'int_value'))
  if (v('doubleValue', 'double_value') !== undefined) return Number(v('doubleValue', 'double_value'))
  if (v('bytesValue', 'bytes_value') !== undefined) return String(v('bytesValue', 'bytes_value'))
  const array = asObj(v('arrayValue', 'array_value'))
  if (array !== undefined) return list(array.values).map(plain)
  const kvlist = asObj(v('kvlistValue', 'kvlist_value'))
  if (kvlist !== undefined) return Object.fromEntries(attributeMap(kvlist.values))
  return undefined
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Nanoseconds since the epoch (a decimal string in OTLP/JSON, to keep 64 bits) to ms; 0 means unset. */
export function nanosToMs(value: unknown): number | undefined {
  const digits = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : ''
  if (!/^\d+$/.test(digits) || digits.length <= 6) return undefined
  const ms = Number(digits.slice(0, -6))
  return ms > 0 ? ms : undefined
}

function levelOf(text: unknown, number: unknown): string | undefined {
  if (typeof text === 'string' && text.trim() !== '') return text.trim().toUpperCase()
  let n = typeof number === 'number' ? number : Number.NaN
  if (typeof number === 'string') {
    const word = /^SEVERITY_NUMBER_([A-Z]+)/.exec(number)
    if (word !== null) return SEVERITY_WORDS.includes(word[1]) ? word[1] : undefined
    n = Number(number)
  }
  if (!Number.isInteger(n) || n < 1 || n > 24) return undefined
  return SEVERITY_WORDS[Math.floor((n - 1) / 4)]
}
