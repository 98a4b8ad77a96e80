import {ExitCode, FlareError} from '../../errors.js'
import {maskUrl, takeLogin, urlSecrets, type UrlLogin} from '../../secrets.js'

/** An LLM base URL taken apart: where requests go, the login it carried, and what it may show. */
export interface Endpoint {
  /** The base URL without its login (fetch refuses one); its path and query as given. */
  base: URL
  login?: UrlLogin
  /** The base URL as it may be printed: login and secret-looking query values `***`. */
  shown: string
  /** Its password and query tokens, for scrubbing error text. */
  secrets: string[]
}

/** `--llm-base-url`, ANTHROPIC_BASE_URL or FLARE_OPENAI_BASE_URL / OPENAI_BASE_URL, checked: a usage error (masked) unless http(s). */
export function parseEndpoint(raw: string): Endpoint {
  const shown = maskUrl(raw.trim())
  const {url, login} = takeLogin(raw.trim())
  let base: URL | undefined
  try {
    base = new URL(url)
  } catch {
    // refused below
  }
  if (base === undefined || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new FlareError(`The LLM base URL must be an http(s) URL, got "${shown}".`, {
      exitCode: ExitCode.usage,
      hint: 'Give --llm-base-url (or FLARE_OPENAI_BASE_URL / ANTHROPIC_BASE_URL) as http(s)://HOST:PORT/PATH, e.g. http://127.0.0.1:11434/v1 for Ollama.',
    })
  }
  return {base, login, shown, secrets: urlSecrets(raw)}
}

/**
 * `path` appended to the base URL's path, its query kept where a URL keeps it:
 * `http://h/v1?api_key=K` + `chat/completions` → `http://h/v1/chat/completions?api_key=K`.
 */
export function endpointUrl(base: URL, path: string): string {
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return url.toString()
}

/** A login in the base URL where the provider's key already takes the Authorization header. */
export function loginWithKey(endpoint: Endpoint, hint: string): FlareError {
  return new FlareError(`The LLM base URL ${endpoint.shown} carries a login, but the API key already takes the Authorization header: the login could not be sent.`, {
    exitCode: ExitCode.usage,
    hint,
  })
}
