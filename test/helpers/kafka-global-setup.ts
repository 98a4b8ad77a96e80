import type {TestProject} from 'vitest/node'
import {kafkaMissingReason, launchKafka} from './kafka-broker.js'

/**
 * Vitest globalSetup: one single-node Kafka for the whole run, shared by the Kafka tests. Like the
 * MLflow server it is launched, not awaited (the tests wait for it), and only when the run may
 * include a Kafka test: a run filtered to other files does not start a JVM.
 * FLARE_KAFKA_TESTS=off skips them on purpose; =required (CI) makes a missing Java/classpath an error.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const mode = process.env.FLARE_KAFKA_TESTS
  if (mode === 'off') return undefined
  // The file filters of `vitest run a b`: the path-like arguments (option values are not paths here).
  const filters = [...(project.vitest.config.filters ?? []), ...process.argv.slice(2).filter((a) => !a.startsWith('-') && /[/.]|test/.test(a))]
  if (filters.length > 0 && !filters.some((f) => /kafka/i.test(f))) return undefined
  const missing = kafkaMissingReason()
  if (missing) {
    if (mode === 'required') throw new Error(`FLARE_KAFKA_TESTS=required, but: ${missing}`)
    console.warn(missing)
    project.provide('kafkaMissing', missing)
    return undefined
  }
  const broker = await launchKafka()
  project.provide('kafkaBootstrap', broker.bootstrap)
  project.provide('kafkaLogFile', broker.logFile)
  return () => broker.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the shared Kafka broker; absent when Java or the classpath is missing. */
    kafkaBootstrap?: string
    kafkaLogFile?: string
    kafkaMissing?: string
  }
}
