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

/** Shorter values would match ordinary text; no real credential is this short. */
const MIN_SECRET_LENGTH = 6

/** The configured secret values found in `env`, longest first (so a key's prefix is not half-replaced). */
export function configuredSecrets(env: Record<string, string | undefined> = process.env, extra: readonly (string | undefined)[] = []): string[] {
  const values = new Set<string>()
  for (const name of SECRET_ENV) {
    const value = env[name]
    if (value && value.length >= MIN_SECRET_LENGTH) values.add(value)
  }
  // A password inside MLFLOW_TRACKING_URI (http://user:password@host).
  const uri = env.MLFLOW_TRACKING_URI
  if (uri) {
    try {
      const password = decodeURIComponent(new URL(uri).password)
      if (password.length >= MIN_SECRET_LENGTH) values.add(password)
    } catch {
      // not a URL: nothing to take from it
    }
  }
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
