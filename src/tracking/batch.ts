import type {KeyValue} from './types.js'

/** What one log-batch call may carry (MLflow's server-side limits). */
export const logBatchLimits = {metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 900_000} as const
/** `bytes` stays under the server's 1 MB cap on a log-batch request body. */
export type LogBatchLimits = {metrics: number; params: number; tags: number; total: number; bytes: number}

/** MLflow rejects longer tag values; like MLflow's own client, Flare cuts them. */
export const maxTagValueLength = 8000

export interface MetricInput {
  key: string
  value: number
  /** Defaults to 0. */
  step?: number
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number
}

export type KeyValues = Record<string, string | number | boolean> | readonly KeyValue[]

export interface BatchInput {
  metrics?: readonly MetricInput[]
  params?: KeyValues
  tags?: KeyValues
}

/** The wire form of a metric: non-finite doubles travel as the strings protobuf's JSON uses. */
export interface WireMetric {
  key: string
  value: number | string
  timestamp: number
  step: number
}

export interface BatchChunk {
  metrics: WireMetric[]
  params: KeyValue[]
  tags: KeyValue[]
}

export function toKeyValues(values: KeyValues | undefined): KeyValue[] {
  if (values === undefined) return []
  if (Array.isArray(values)) return (values as readonly KeyValue[]).map(({key, value}) => ({key, value}))
  return Object.entries(values).map(([key, value]) => ({key, value: String(value)}))
}

function wireValue(value: number): number | string {
  if (Number.isFinite(value)) return value
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? 'Infinity' : '-Infinity'
}

/**
 * Splits a batch into calls that each respect every per-kind limit, the entity total and the
 * request size. Params and tags go first (there are few), metrics fill the room left, so the
 * number of calls is minimal for the usual shapes.
 */
export function chunkBatch(batch: BatchInput, limits: LogBatchLimits = logBatchLimits, now = Date.now()): BatchChunk[] {
  const metrics: WireMetric[] = (batch.metrics ?? []).map((m) => ({
    key: m.key,
    value: wireValue(m.value),
    timestamp: Math.round(m.timestamp ?? now),
    step: Math.round(m.step ?? 0),
  }))
  const params = toKeyValues(batch.params)
  const tags = toKeyValues(batch.tags).map(({key, value}) => ({
    key,
    value: value.length > maxTagValueLength ? value.slice(0, maxTagValueLength) : value,
  }))
  const queues = [
    {items: params as object[], next: 0, max: limits.params, kind: 'params' as const},
    {items: tags as object[], next: 0, max: limits.tags, kind: 'tags' as const},
    {items: metrics as object[], next: 0, max: limits.metrics, kind: 'metrics' as const},
  ]
  const chunks: BatchChunk[] = []
  while (queues.some((q) => q.next < q.items.length)) {
    const chunk: BatchChunk = {metrics: [], params: [], tags: []}
    let count = 0
    let bytes = 100 // the envelope: run_id and the three keys
    for (const queue of queues) {
      const target = chunk[queue.kind] as object[]
      while (queue.next < queue.items.length && target.length < queue.max && count < limits.total) {
        const size = Buffer.byteLength(JSON.stringify(queue.items[queue.next])) + 1
        // An entity too large even alone still goes, alone, so the server's message names it.
        if (bytes + size > limits.bytes && count > 0) break
        target.push(queue.items[queue.next++])
        count++
        bytes += size
      }
    }
    chunks.push(chunk)
  }
  return chunks
}
