/**
 * Pseudonymisation of secrets and personal data before a prompt leaves the machine.
 *
 * Each sensitive value is replaced by a stable pseudonym such as `<EMAIL_1>`: the same value gets
 * the same pseudonym for the lifetime of one `Redactor` (one summarize run), so the model can
 * still see that two lines mention the same user. `restore` maps pseudonyms in the model's answer
 * back to the original values; the restored summary is what gets stored locally.
 *
 * Rules run in order, and a rule never re-matches text an earlier rule produced (pseudonyms
 * contain no characters the patterns accept). Where a rule has a prefix (`password=`), only the
 * value is replaced so the line keeps its shape.
 */

export interface RedactionOptions {
  /** Replace nothing (an explicit opt-out: `restore` still works and is a no-op). */
  disabled?: boolean
  /** Replace IPv4/IPv6 addresses (off by default: they are usually what an on-call engineer needs). */
  ips?: boolean
  /** Replace fully-qualified host names. */
  hostnames?: boolean
}

interface Rule {
  kind: string
  pattern: RegExp
  /** Index of the capture group holding the value to replace; 0 = whole match. */
  group: number
  optional?: keyof RedactionOptions
}

const SECRET_KEYS = String.raw`(?:password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|api[_-]?key|apikey|auth)`

const RULES: Rule[] = [
  // JSON Web Tokens: three base64url segments, the first a JSON header starting with {" (eyJ).
  {kind: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, group: 0},
  // Anthropic (sk-ant-...), OpenAI (sk-..., sk-proj-...) and similar provider keys.
  {kind: 'API_KEY', pattern: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, group: 0},
  // AWS access key ids.
  {kind: 'AWS_KEY', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, group: 0},
  // GitHub / Slack tokens.
  {kind: 'API_KEY', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})/g, group: 0},
  // Authorization: Bearer <token> / Basic <credentials>.
  {kind: 'TOKEN', pattern: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/gi, group: 1},
  // key=value / key: value / "key": "value" for secret-looking keys.
  {kind: 'SECRET', pattern: new RegExp(String.raw`\b${SECRET_KEYS}["']?\s*[=:]\s*["']?([^\s"',;&}]+)`, 'gi'), group: 1},
  // Credentials embedded in URLs: scheme://user:password@host
  {kind: 'SECRET', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi, group: 1},
  {kind: 'EMAIL', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, group: 0},
  // user=alice, uid=1000, username: bob, "user_id": "u-123"
  {kind: 'USER', pattern: /\b(?:user(?:name|_?id)?|uid|login|account)["']?\s*[=:]\s*["']?([^\s"',;&}<]+)/gi, group: 1},
  // sshd: "Failed password for invalid user admin from", "Accepted publickey for alice from"
  {kind: 'USER', pattern: /\bfor (?:invalid user |illegal user )?([A-Za-z0-9._-]+) from\b/g, group: 1},
  {kind: 'IP', pattern: /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g, group: 0, optional: 'ips'},
  {kind: 'IP', pattern: /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi, group: 0, optional: 'ips'},
  {
    kind: 'HOST',
    pattern: /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|dev|cloud|internal|local|lan|corp|intra|svc|cluster)\b/gi,
    group: 0,
    optional: 'hostnames',
  },
]

const PSEUDONYM = /<([A-Z_]+)_(\d+)>/g
const IS_PSEUDONYM = /<[A-Z_]+_\d+>/

export class Redactor {
  private readonly forward = new Map<string, string>()
  private readonly backward = new Map<string, string>()
  private readonly counters = new Map<string, number>()
  private readonly rules: Rule[]

  constructor(readonly options: RedactionOptions = {}) {
    this.rules = options.disabled ? [] : RULES.filter((rule) => rule.optional === undefined || options[rule.optional] === true)
  }

  /** Replace every sensitive value in `text` by its pseudonym. */
  redact(text: string): string {
    let out = text
    for (const rule of this.rules) {
      rule.pattern.lastIndex = 0
      out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
        const value = rule.group === 0 ? match : (rest[rule.group - 1] as string | undefined)
        if (!value || IS_PSEUDONYM.test(value)) return match
        const pseudonym = this.pseudonymFor(rule.kind, value)
        if (rule.group === 0) return pseudonym
        // Replace only the captured value, keeping the key and separator.
        const at = match.lastIndexOf(value)
        return match.slice(0, at) + pseudonym + match.slice(at + value.length)
      })
    }
    return out
  }

  /** Map pseudonyms in `text` back to the original values; unknown pseudonyms are left as they are. */
  restore(text: string): string {
    return text.replace(PSEUDONYM, (match) => this.backward.get(match) ?? match)
  }

  /** `restore` applied to every string inside a JSON-like value. */
  restoreDeep<T>(value: T): T {
    if (typeof value === 'string') return this.restore(value) as T
    if (Array.isArray(value)) return value.map((item) => this.restoreDeep(item)) as T
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) out[key] = this.restoreDeep(item)
      return out as T
    }
    return value
  }

  /** Distinct values replaced so far, per kind. */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }

  get size(): number {
    return this.forward.size
  }

  private pseudonymFor(kind: string, value: string): string {
    const key = `${kind}\u0000${value}`
    const existing = this.forward.get(key)
    if (existing) return existing
    const n = (this.counters.get(kind) ?? 0) + 1
    this.counters.set(kind, n)
    const pseudonym = `<${kind}_${n}>`
    this.forward.set(key, pseudonym)
    this.backward.set(pseudonym, value)
    return pseudonym
  }
}
