import v8 from 'node:v8'

/**
 * How far V8 lets the old generation grow past what the last full collection kept, percent, in a
 * streaming run (`flare collect`, `flare replay` into the engine).
 *
 * A stream's sessions live for minutes to hours of log time, so every one of them is promoted to
 * the old generation and dies there; what is live stays small (the open sessions), but V8, seeing
 * full collections that are quick next to the work between them, lets the old generation grow to
 * up to 4× the live heap before the next one. Peak RSS then rose with the length of the run (a
 * replay of HDFS ×10: 116 MB after 2 s, 335 MB after 20 s, with 40-66 MB live; peak 329-359 MB).
 * At 2× (100): peak 249-251 MB at no measurable CPU cost (14.5-15.2 s against 14.4-15.5 s before,
 * load ~2); at 1.5× (50) 207-210 MB but 1-2.6 s more CPU (more full collections).
 */
export const STREAM_HEAP_GROWING_PERCENT = 100

/**
 * Bounds old-generation growth for a long-running stream (see STREAM_HEAP_GROWING_PERCENT). V8 reads
 * the setting at each full collection, so setting it once the process runs takes effect. Left
 * alone when node was started with its own --heap-growing-percent.
 */
export function boundHeapGrowth(percent = STREAM_HEAP_GROWING_PERCENT): void {
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--heap[-_]growing[-_]percent/.test(a))) return
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`)
}
