import {rmSync} from 'node:fs'

/**
 * Temporary files and folders that must not outlive the process: spooled stdin, outputs being
 * written before their rename. They are removed on every exit path — a normal end, an error,
 * process.exit() and SIGINT/SIGTERM/SIGHUP — so an interrupted run leaves nothing behind.
 */
const live = new Set<string>()
let installed = false

const SIGNALS = {SIGINT: 2, SIGTERM: 15, SIGHUP: 1} as const

function removeAll(): void {
  for (const path of live) {
    try {
      rmSync(path, {recursive: true, force: true})
    } catch {
      // Nothing more can be done on the way out; the path was temporary anyway.
    }
  }
  live.clear()
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', removeAll)
  for (const [signal, number] of Object.entries(SIGNALS)) {
    // First in line, so that the count below still includes listeners added with `once` (Node
    // removes those before calling them): a command's own handler may come before or after this.
    process.prependListener(signal as NodeJS.Signals, () => {
      removeAll()
      // Others that listen (a command finishing its work on SIGINT) decide when to exit; alone,
      // exit as the signal would have, with its conventional status.
      if (process.listenerCount(signal) <= 1) process.exit(128 + number)
    })
  }
}

/** Registers `path` for removal at exit; the returned function forgets it (after a rename, say). */
export function trackTemporary(path: string): () => void {
  install()
  live.add(path)
  return () => {
    live.delete(path)
  }
}

/** Paths registered now (for tests). */
export function trackedTemporaries(): string[] {
  return [...live]
}
