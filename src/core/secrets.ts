/**
 * Credentials Flare is configured with (LLM keys, MLflow passwords and tokens, the API token of
 * `flare serve`). They must never appear in anything Flare prints or writes — not even when a
 * server echoes them back in a reply — so every output path can pass its text through `scrub`.
 */
const SECRET_ENV = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'OPENAI_API_KEY',
  'FLARE_OPENAI_API_KEY',
  'MLFLOW_TRACKING_PASSWORD',
  'MLFLOW_TRACKING_TOKEN',
  'FLARE_API_TOKEN',
] as const

/** URLs that may carry a login or a token in their query. */
const SECRET_URL_ENV = ['MLFLOW_TRACKING_URI', 'ANTHROPIC_BASE_URL', 'FLARE_OPENAI_BASE_URL', 'OPENAI_BASE_URL'] as const

/** Shorter values would match ordinary text; no real credential is this short. */
const MIN_SECRET_LENGTH = 6

/** The configured secret values found in `env`, longest first (so a key's prefix is not half-replaced). */
export function configuredSecrets(env: Record<string, string | undefined> = process.env, extra: readonly (string | undefined)[] = []): string[] {
  const values = new Set<string>()
  for (const name of SECRET_ENV) {
    const value = env[name]
    if (value && value.length >= MIN_SECRET_LENGTH) values.add(value)
  }
  // A password or a token inside a URL (http://user:password@host, …/v1?api_key=TOKEN).
  for (const name of SECRET_URL_ENV) for (const value of urlSecrets(env[name])) values.add(value)
  for (const value of extra) if (value && value.length >= MIN_SECRET_LENGTH) values.add(value)
  return [...values].sort((a, b) => b.length - a.length)
}

/**
 * A spec or URL as it may be shown: credentials before an `@` (`kafka://user:pw@host`,
 * `user:pw@host`, `https://token@host`) become `***`. Used on every spec echoed in an error.
 */
export function maskUserinfo(spec: string): string {
  return spec.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:\/\/)?)[^\s/?#@]+@/i, '$1***@')
}

/**
 * The one list of words that make a field name a secret's name (`password`, `DB_PASSWORD`,
 * `aws_secret_access_key`, `"client_secret"`, `x-auth-token`). Read by the redactor of prompts
 * and live events (explain/redact.ts) and by the masking of URL query parameters below.
 * `LONG` words may end a name glued to its prefix (`mysqlPassword`); `SHORT` ones only after a
 * separator or at the name's start, so `bypass`, `oauth` and `compass` are not secret names.
 */
export const SECRET_KEY_WORDS = {
  long: ['password', 'passwd', 'passphrase', 'secret', 'credentials', 'credential', 'apikey', 'api_key', 'api-key', 'access_key', 'access-key', 'accesskey', 'secret_key', 'secretkey', 'private_key', 'privatekey', 'signing_key', 'encryption_key', 'client_secret'],
  short: ['pass', 'pwd', 'token', 'auth'],
} as const

/** Query parameters whose values are credentials: the words above, and `key`, `sig`, `session`, Azure's `code`… */
const SECRET_PARAM = new RegExp(`${[...SECRET_KEY_WORDS.long, ...SECRET_KEY_WORDS.short].join('|')}|key|sig|session|^code$`, 'i')

/** A value that looks like a generated credential even under an ordinary name: long, letters and digits. */
function looksGenerated(value: string): boolean {
  return value.length >= 20 && /[a-z]/i.test(value) && /\d/.test(value) && /^[\w.~+/=-]+$/.test(value)
}

/** Percent-decoded; in a query (`form`) a `+` is a space too. Malformed escapes: the text as is. */
function decoded(text: string, form = false): string {
  try {
    return decodeURIComponent(form ? text.replace(/\+/g, ' ') : text)
  } catch {
    return text
  }
}

function isSecretParam(name: string, value: string): boolean {
  return value !== '' && (SECRET_PARAM.test(decoded(name, true)) || looksGenerated(decoded(value, true)))
}

/**
 * A URL as it may be shown where its path matters (an LLM endpoint): the login becomes `***`, and
 * so does every secret-looking query or fragment value (`?api_key=***`); the rest is kept as written.
 */
export function maskUrl(url: string): string {
  const masked = maskUserinfo(url)
  const start = masked.search(/[?#]/)
  if (start < 0) return masked
  const tail = masked.slice(start).replace(/([?&#;])([^=&#;]*)=([^&#;]*)/g, (all, sep: string, name: string, value: string) => (isSecretParam(name, value) ? `${sep}${name}=***` : all))
  return masked.slice(0, start) + tail
}

/**
 * A spec whose URL's path and query are the secret (`slack:https://hooks.slack.com/services/…`,
 * a webhook with a token in its path), as it may be shown: its `kind:` prefix, scheme and host
 * only, the login dropped, the rest `…`. Used on every sink spec echoed in a message.
 */
export function maskUrlPath(spec: string): string {
  const trimmed = spec.trim()
  const prefix = /^[a-z][a-z0-9+.-]*:(?!\/\/)/i.exec(trimmed)?.[0] ?? ''
  const rest = maskUserinfo(trimmed.slice(prefix.length)).replace(/^([a-z][a-z0-9+.-]*:\/\/)\*\*\*@/i, '$1')
  const cut = /^((?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#]*)[/?#]./i.exec(rest)
  return prefix + (cut ? `${cut[1]}/…` : rest)
}

/** A login taken out of a URL: user and password percent-decoded. */
export interface UrlLogin {
  username: string
  password: string
}

/**
 * `http://user:pw@host/path` → the URL without its login, and the login (percent-decoded), since
 * fetch refuses a URL that carries one and nothing printed may show it. Not a URL: returned as is.
 */
export function takeLogin(url: string): {url: string; login?: UrlLogin} {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return {url}
  }
  if (parsed.username === '' && parsed.password === '') return {url}
  const login = {username: decoded(parsed.username), password: decoded(parsed.password)}
  parsed.username = ''
  parsed.password = ''
  return {url: parsed.toString(), login}
}

/** The `Authorization` header of HTTP Basic auth. */
export function basicAuthorization(login: UrlLogin): string {
  return `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`
}

/**
 * The credentials a URL carries, as `scrubText` should look for them: its password and the values
 * of secret-looking query parameters, as written and percent-decoded (short ones left out).
 */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return []
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const found = [parsed.password, decoded(parsed.password)]
  for (const pair of parsed.search.slice(1).split('&')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && isSecretParam(pair.slice(0, eq), pair.slice(eq + 1))) found.push(pair.slice(eq + 1), decoded(pair.slice(eq + 1), true))
  }
  return [...new Set(found)].filter((value) => value.length >= MIN_SECRET_LENGTH)
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join('<redacted>')
  return out
}

/** `scrubText` on every string (keys included) of a JSON-like value; the input is not modified. */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value
  if (typeof value === 'string') return scrubText(value, secrets) as T
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, secrets)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[scrubText(key, secrets)] = scrubDeep(item, secrets)
    return out as T
  }
  return value
}
