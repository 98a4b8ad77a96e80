import {liveNote} from './live-view.js'

/**
 * Ctrl-C / SIGTERM for the live commands (collect, replay): the first signal aborts `controller`
 * (the command then scores its open sessions, delivers the final events and closes the sinks); a
 * second one quits at once, exit 130 or 143, after saying what that leaves undone. Returns the
 * function that removes the handlers.
 */
export function stopOnSignals(controller: AbortController, say: {stopping: string; quit: () => string}): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      liveNote(`stopping: ${say.stopping} (${signal} again to quit at once)`)
      controller.abort()
      return
    }
    liveNote(`quit at once: ${say.quit()}`)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return () => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
