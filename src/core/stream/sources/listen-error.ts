import {ExitCode, FlareError} from '../../errors.js'

/** A listener that cannot bind, as the error a user can act on: a usage error (exit 2), as `serve`'s busy port is. */
export function listenError(name: string, error: Error): FlareError {
  const code = (error as NodeJS.ErrnoException).code
  const hint =
    code === 'EADDRINUSE'
      ? 'Another process listens on that port; pick another one or stop it.'
      : code === 'EACCES'
        ? 'Ports below 1024 need privileges; use a higher port (e.g. 5514) and forward to it.'
        : 'Check the host and port in the source spec.'
  return new FlareError(`${name}: cannot listen (${code ?? error.message})`, {exitCode: ExitCode.usage, hint, cause: error})
}
