import {configuredSecrets, scrubText} from '../secrets.js'
import {drained, writeStreamAtomic} from './output.js'

/**
 * `JSON.stringify(value, null, 2) + '\n'`, byte for byte, written piece by piece: a results
 * document with half a million session rows is never one string (nor one Buffer) in memory.
 *
 * The top-level object and the objects and arrays directly in it are walked here; everything
 * below (one session row, one incident) is stringified whole and re-indented. Re-indenting is
 * exact: JSON.stringify's output at depth d is its top-level output with d levels of indent after
 * every newline, and a JSON string never holds a raw newline.
 */
const GAP = '  '
/** Pieces are gathered into chunks of about this many characters before a write. */
const CHUNK = 64 * 1024

type Json = unknown

function toJsonValue(value: Json, key: string): Json {
  const toJSON = (value as {toJSON?: unknown} | null | undefined)?.toJSON
  return typeof toJSON === 'function' ? toJSON.call(value, key) : value
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (value: Json): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol'

/** Whole: JSON.stringify at `indent` (its newlines re-indented). */
function whole(value: Json, indent: string): string {
  const text = JSON.stringify(value, null, 2) ?? 'null'
  return indent === '' || !text.includes('\n') ? text : text.replaceAll('\n', `\n${indent}`)
}

/** The pieces of `value` (already past toJSON) at `indent`; containers above `depth` 0 are walked. */
function* pieces(value: Json, indent: string, depth: number): Generator<string> {
  if (depth <= 0 || value === null || typeof value !== 'object' || typeof (value as {toJSON?: unknown}).toJSON === 'function') {
    yield whole(value, indent)
    return
  }
  const inner = indent + GAP
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]'
      return
    }
    if (depth === 1) {
      yield* leafBatches(value, indent)
      return
    }
    for (let i = 0; i < value.length; i++) {
      const item = toJsonValue(value[i], String(i))
      yield `${i === 0 ? '[' : ','}\n${inner}`
      if (omitted(item)) yield 'null'
      else yield* pieces(item, inner, depth - 1)
    }
    yield `\n${indent}]`
    return
  }
  let first = true
  const rowSources = deferred.get(value)
  for (const key of Object.keys(value)) {
    const rows = rowSources?.get(key)
    if (rows !== undefined && !rows.built() && depth - 1 === 1) {
      // Written as made, BATCH rows at a time: the array is never built (deferredArray).
      yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `
      first = false
      if (rows.length === 0) yield '[]'
      else yield* leafBatches(rows, inner)
      continue
    }
    const item = toJsonValue((value as Record<string, Json>)[key], key)
    if (omitted(item)) continue
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `
    first = false
    yield* pieces(item, inner, depth - 1)
  }
  yield first ? '{}' : `\n${indent}}`
}

/** Arrays of rows a document holds as a way to make them (deferredArray), by object and key. */
const deferred = new WeakMap<object, Map<string, RowSource>>()

interface RowSource extends Pick<unknown[], 'length' | 'slice'> {
  /** True once the array was read (and so built): it is written as it now is. */
  built: () => boolean
}

/**
 * Defines `obj[key]` as the array of `row(0), ..., row(length - 1)`, made (once) when the property
 * is first read. writeJson and jsonPieces write it from `row` a batch at a time without making it:
 * a detect run's per-session rows (half a million objects at HDFS ×50, ~35 MB) need never exist
 * all at once. Define it where the key belongs in the object's key order.
 */
export function deferredArray<T>(obj: object, key: string, length: number, row: (i: number) => T): void {
  let array: T[] | undefined
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get: () => (array ??= Array.from({length}, (_, i) => row(i))),
    set: (value: T[]) => {
      array = value
    },
  })
  const slice = (start = 0, end = length): T[] => {
    const to = Math.min(end, length)
    return Array.from({length: Math.max(0, to - start)}, (_, k) => row(start + k))
  }
  let sources = deferred.get(obj)
  if (sources === undefined) deferred.set(obj, (sources = new Map()))
  sources.set(key, {length, slice: slice as RowSource['slice'], built: () => array !== undefined})
}

/**
 * `{...obj, ...extra}` that keeps obj's deferred arrays deferred (a spread reads them, making
 * them): its own properties as they are defined, then extra's.
 */
export function withKeys<T extends object, E extends object>(obj: T, extra: E): T & E {
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(obj)) as T & E
  const sources = deferred.get(obj)
  // (a key extra gives is a plain value now, not obj's deferred rows)
  if (sources !== undefined) deferred.set(out, new Map([...sources].filter(([key]) => !Object.hasOwn(extra, key))))
  for (const [key, value] of Object.entries(extra)) Object.defineProperty(out, key, {value, enumerable: true, writable: true, configurable: true})
  return out
}

/** Elements stringified together: one JSON.stringify per row costs three times as much CPU as one for the document. */
const BATCH = 256

/**
 * Characters of the opening brackets (and of the closing ones) around the elements of an array
 * nested in one array per level of `indent`, as JSON.stringify(…, null, 2) writes it: at each depth
 * d (0 … the elements' parent), `[` + newline opening, newline + `]` closing, after d levels of GAP.
 */
function bracketLength(indent: string): number {
  let n = 0
  for (let d = 0; d <= indent.length; d += GAP.length) n += d + 2
  return n
}

/**
 * A non-empty array of leaves at `indent`, BATCH elements to a JSON.stringify: the text of
 * `[a, b]`, nested in an array per level of `indent`, less its brackets is `a` and `b` at their
 * indent, joined as in the array.
 */
function* leafBatches(items: Pick<unknown[], 'length' | 'slice'>, indent: string): Generator<string> {
  for (let start = 0; start < items.length; start += BATCH) {
    const batch = items.slice(start, start + BATCH)
    // toJSON(key) is handed the index in the whole array: such elements go one by one.
    if (batch.some((item) => typeof (item as {toJSON?: unknown} | null | undefined)?.toJSON === 'function')) {
      for (let i = 0; i < batch.length; i++) {
        const item = toJsonValue(batch[i], String(start + i))
        yield `${start + i === 0 ? '[' : ','}\n${indent}${GAP}`
        yield omitted(item) ? 'null' : whole(item, indent + GAP)
      }
    } else {
      // The batch inside one array per level of `indent`: JSON.stringify then writes its elements
      // at exactly their depth in the document, and they are cut out of the brackets around them.
      // (Before, the batch was stringified at depth 0 and every newline re-indented: a second pass
      // over the text and a copy of it, 45% of this writer's CPU on a detect run's session rows.)
      let nested: unknown = batch
      for (let d = 0; d < indent.length; d += GAP.length) nested = [nested]
      const text = JSON.stringify(nested, null, 2)
      const cut = bracketLength(indent)
      yield `${start === 0 ? '[' : ','}\n${text.slice(cut, text.length - cut)}`
    }
  }
  yield `\n${indent}]`
}

/** The pieces of `JSON.stringify(value, null, 2)`, walking `depth` levels of containers. */
export function* jsonPieces(value: Json, depth = 2): Generator<string> {
  const top = toJsonValue(value, '')
  // JSON.stringify(undefined) is undefined; a document is always an object here.
  if (omitted(top)) throw new TypeError('not a JSON value')
  yield* pieces(top, '', depth)
}

/**
 * Writes `JSON.stringify(value, null, 2) + '\n'` to `stream` in chunks, waiting for 'drain' when
 * the reader is slower (a pipe), with every configured secret replaced as `scrubText` would on
 * the whole text (a secret split between two chunks is held back until its end arrives).
 * A stream that failed (EPIPE: the reader went away) rejects with its error.
 */
export async function writeJson(stream: NodeJS.WritableStream, value: Json, options: {secrets?: readonly string[]} = {}): Promise<void> {
  const secrets = options.secrets ?? []
  // The longest secret less one character: a secret that does not end in a chunk starts in this tail.
  const keep = secrets.reduce((n, s) => Math.max(n, s.length - 1), 0)
  let buffer = ''
  const flush = async (last: boolean): Promise<void> => {
    let text = secrets.length > 0 ? scrubText(buffer, secrets) : buffer
    buffer = ''
    if (!last && keep > 0) {
      buffer = text.slice(Math.max(0, text.length - keep))
      text = text.slice(0, text.length - buffer.length)
    }
    if (text.length > 0 && !stream.write(text)) await drained(stream)
  }
  for (const piece of jsonPieces(value)) {
    buffer += piece
    if (buffer.length >= CHUNK) await flush(false)
  }
  buffer += '\n'
  await flush(true)
}

/** `writeJson` into a file written whole (output.ts), every configured secret replaced. */
export async function writeJsonFileAtomic(path: string, value: Json, options: {flag?: string} = {}): Promise<void> {
  const secrets = configuredSecrets()
  await writeStreamAtomic(path, (stream) => writeJson(stream, value, {secrets}), options)
}
