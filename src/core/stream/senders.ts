/**
 * MINIMAL placeholder (`file:` only): the full senders (UDP, TCP, OTLP) replace this file at
 * merge; the signature below is the contract.
 */
import {open} from 'node:fs/promises'
import {ExitCode, FlareError} from '../errors.js'

export interface LineSender {
  send(line: string): Promise<void>
  close(): Promise<void>
}

/** specs: 'udp://H:P', 'tcp://H:P', 'file:PATH', 'otlp+http://H:P' */
export async function openSender(spec: string): Promise<LineSender> {
  if (!spec.startsWith('file:')) throw new FlareError(`unsupported --to "${spec}"`, {exitCode: ExitCode.usage, hint: 'use file:PATH'})
  const file = await open(spec.slice(5), 'a')
  return {
    send: async (line) => void (await file.appendFile(line + '\n')),
    close: () => file.close(),
  }
}
