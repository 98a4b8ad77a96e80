import {Kafka, logLevel, type LogEntry} from 'kafkajs'
import {ExitCode, FlareError} from '../../errors.js'

/**
 * One kafkajs client. Its own logging goes to `onNote` (errors and warnings only): kafkajs
 * otherwise prints JSON to the console, which is the CLI's output.
 */
export function kafkaClient(brokers: string[], clientId: string, onNote?: (note: string) => void): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => onNote?.(`kafka: ${entry.log.message}`),
    retry: {retries: 5, initialRetryTime: 200},
  })
}

export function kafkaUnreachable(brokers: string[], error: unknown): FlareError {
  return new FlareError(`Cannot reach Kafka at ${brokers.join(',')}: ${(error as Error).message}`, {
    exitCode: ExitCode.dependency,
    hint: 'Check the broker address (the one it advertises must be reachable from here too) and that the topic exists.',
  })
}
