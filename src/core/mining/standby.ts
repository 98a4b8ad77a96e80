/**
 * Parse workers started ahead of their pool (worker-pool.ts prestartWorkers), kept here so that a
 * run that turns out not to need them (the log is not HDFS after all) can stop them without
 * loading the pool's code.
 */
import type {Worker} from 'node:worker_threads'

export interface Standby {
  worker: Worker
  maxLineBytes: number
  ready: boolean
  dead: boolean
  /** Removes the listeners that track the worker until a pool takes it. */
  detach: () => void
}

export const standby: Standby[] = []

/** Stops the workers started ahead: the run will make no pool (or has made its own). */
export function dropStandby(): void {
  for (const s of standby.splice(0)) {
    s.detach()
    void s.worker.terminate()
  }
}
