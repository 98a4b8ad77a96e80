import {Kafka, logLevel, type LogEntry} from 'kafkajs'
import {ExitCode, FlareError} from '../../errors.js'

/**
 * One kafkajs client. Its own logging goes to `onNote` (errors and warnings only): kafkajs
 * otherwise prints JSON to the console, which is the CLI's output.
 */
export function kafkaClient(brokers: string[], clientId: string, onNote?: (note: string) => void): Kafka {
  // A broker that is down makes kafkajs say the same thing on every retry: once per 10 s is enough.
  const lastSaid = new Map<string, number>()
  const note = (message: string): void => {
    const now = Date.now()
    if (now - (lastSaid.get(message) ?? -Infinity) < 10_000) return
    if (lastSaid.size > 100) lastSaid.clear()
    lastSaid.set(message, now)
    onNote?.(`kafka: ${message}`)
  }
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => note(entry.log.message),
    retry: {retries: 5, initialRetryTime: 200},
  })
}

export function kafkaUnreachable(brokers: string[], error: unknown): FlareError {
  return new FlareError(`Cannot reach Kafka at ${brokers.join(',')}: ${(error as Error).message}`, {
    exitCode: ExitCode.dependency,
    hint: 'Check the broker address (the one it advertises must be reachable from here too) and that the topic exists.',
  })
}
