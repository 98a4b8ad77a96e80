import type {ChildProcess} from 'node:child_process'

/**
 * Ends a detached child's process group: SIGTERM, then SIGKILL if it has not exited within
 * `graceMs`, then SIGKILL again for stragglers (workers that outlive their leader). The grace
 * timer is cleared as soon as the child exits: a pending timer would keep vitest's main process
 * alive after its global teardown ("close timed out after 10000ms").
 */
export async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid
  if (pid === undefined) return
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    signalGroup(pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, graceMs, true)))])
    clearTimeout(timer)
    if (timedOut) {
      signalGroup(pid, 'SIGKILL')
      await exited
    }
  }
  signalGroup(pid, 'SIGKILL')
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is already gone
  }
}
