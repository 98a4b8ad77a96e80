import {ExitCode, FlareError} from '../core/errors.js'

/** The artifact proxy of `mlflow server` (on unless started with --no-serve-artifacts). */
export const artifactProxyPrefix = '/api/2.0/mlflow-artifacts/artifacts'

/**
 * Maps an artifact URI the server handed out (a run's artifact_uri, `mlflow-artifacts:/1/<run>/artifacts`,
 * or `mlflow-artifacts://host:port/1/<run>/artifacts`) to the path below the proxy prefix, with
 * `relativePath` appended: `1/<run>/artifacts/model/MLmodel`. Segments are not yet URL-encoded.
 */
export function artifactProxyPath(artifactUri: string, relativePath = ''): string {
  const scheme = 'mlflow-artifacts:'
  if (!artifactUri.startsWith(scheme)) {
    throw new FlareError(`The run's artifacts live at "${artifactUri}", which Flare cannot reach over REST.`, {
      exitCode: ExitCode.dependency,
      hint:
        'Start the MLflow server with the artifact proxy (the default; e.g. --artifacts-destination ./mlartifacts) ' +
        'and log to a new experiment, whose artifact location will then be mlflow-artifacts:/...',
    })
  }
  let rest = artifactUri.slice(scheme.length)
  // With an authority (mlflow-artifacts://host:port/path) the path starts after it.
  if (rest.startsWith('//')) rest = rest.slice(rest.indexOf('/', 2) === -1 ? rest.length : rest.indexOf('/', 2))
  return joinArtifactPath(rest, relativePath)
}

/** Joins artifact path parts with single slashes and refuses `..` segments and empty names. */
export function joinArtifactPath(...parts: string[]): string {
  const segments = parts.flatMap((part) => part.split('/')).filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) {
    throw new FlareError(`Artifact path "${parts.join('/')}" may not contain "..".`, {exitCode: ExitCode.badInput})
  }
  return segments.join('/')
}

/** The URL path of a proxied artifact, each segment encoded. */
export function artifactProxyUrlPath(proxyPath: string): string {
  return `${artifactProxyPrefix}/${proxyPath.split('/').map(encodeURIComponent).join('/')}`
}

/** Guesses a content type from a file name, for artifact uploads and for the UI's previews. */
export function contentTypeFor(fileName: string): string {
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase()
  const types: Record<string, string> = {
    png: 'image/png',
    svg: 'image/svg+xml',
    json: 'application/json',
    yaml: 'application/x-yaml',
    yml: 'application/x-yaml',
    txt: 'text/plain',
    log: 'text/plain',
    md: 'text/markdown',
    html: 'text/html',
    csv: 'text/csv',
  }
  if (fileName.endsWith('MLmodel')) return 'application/x-yaml'
  return types[ext] ?? 'application/octet-stream'
}
