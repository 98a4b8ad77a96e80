/**
 * A full garbage collection at the one point where a run knows that hundreds of megabytes just
 * became unreachable: the end of a large read. The session store's id map, the worker threads'
 * shared slots and the read buffers are dropped there (~170 MB at HDFS ×100), but V8 sees no
 * reason to collect its old generation then, so without this the stages after the read allocate on
 * top of them and the process's peak holds both.
 *
 * The process owner opts in (the CLI does, at start): V8 hands out its collector only to code
 * started with `--expose-gc`, or, once allowFullCollections() has set that flag, to a new context.
 * The flag holds for the whole process, so worker threads started after it find `gc` too.
 * Without either, collectFully() does nothing.
 */
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

let collector: (() => void) | undefined

/** Lets collectFully() run full collections in this process (idempotent; a no-op where V8 refuses). */
export function allowFullCollections(): void {
  if (collector !== undefined) return
  const exposed = (globalThis as {gc?: () => void}).gc
  if (typeof exposed === 'function') {
    collector = exposed
    return
  }
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    if (typeof gc === 'function') collector = gc as () => void
  } catch {
    // (no collector: memory is collected when V8 decides, as before)
  }
}

/** True when collectFully() will collect (allowFullCollections() found a collector, or node was started with --expose-gc). */
export function fullCollectionsAllowed(): boolean {
  return collector !== undefined || typeof (globalThis as {gc?: () => void}).gc === 'function'
}

/** One full, synchronous collection when allowed (tens of milliseconds for a heap of a few hundred MB). */
export function collectFully(): void {
  const gc = collector ?? (globalThis as {gc?: () => void}).gc
  if (typeof gc === 'function') gc()
}
