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

import {SECRET_KEY_WORDS} from '../secrets.js'

export interface RedactionOptions {
  /** Replace nothing (an explicit opt-out: `restore` still works and is a no-op). */
  disabled?: boolean
  /**
   * Replace IPv4/IPv6 addresses. On unless set to false: an address can identify a customer, and
   * the pseudonym still lets the model see that two lines share one (`--keep-ips` turns it off).
   */
  ips?: boolean
  /** Replace fully-qualified host names. */
  hostnames?: boolean
  /**
   * Replace personal data that is not a secret: e-mail addresses, user names, phone numbers, IPs
   * and host names. On unless set to false; live incident events keep them (an on-call engineer
   * needs the user and the address) while credentials, cards and SSNs are masked all the same.
   */
  personal?: boolean
}

interface Rule {
  kind: string
  pattern: RegExp
  /** Index of the capture group holding the value to replace (the first that matched, of several); 0 = whole match. */
  group: number | number[]
  optional?: 'ips' | 'hostnames'
  /** Personal data rather than a secret: kept with `personal: false`. */
  personal?: boolean
  /** A check the value must pass to be replaced (a checksum), so look-alike numbers stay. */
  accept?: (value: string) => boolean
}

/** Luhn checksum of the digits in `value` (separators ignored), 13-19 digits, a card network's prefix. */
export function isPaymentCard(value: string): boolean {
  const digits = value.replace(/[ -]/g, '')
  if (digits.length < 13 || digits.length > 19 || !/^\d+$/.test(digits)) return false
  // Visa 4, Mastercard 51-55 / 2221-2720, Amex 34/37, Discover 6011/65/644-649, JCB 35, Diners 30/36/38, UnionPay 62.
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|3[0568]|6)/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** ISO 13616 IBAN: country, check digits, 11-30 alphanumerics, mod 97 of the rearranged number is 1. */
export function isIban(value: string): boolean {
  const iban = value.replace(/ /g, '').toUpperCase()
  if (iban.length < 15 || iban.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false
  const rearranged = iban.slice(4) + iban.slice(0, 4)
  let remainder = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const chunk = code >= 65 ? String(code - 55) : ch
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97
  }
  return remainder === 1
}

/** 8-15 digits (E.164), so dates, versions and counters written with dashes are not phone numbers. */
function isPhone(value: string): boolean {
  const digits = value.replace(/\D/g, '').length
  return digits >= 8 && digits <= 15
}

/** Pre-2011 SSN rules: no area 000, 666 or 9xx, no group 00, no serial 0000. */
function isSsn(value: string): boolean {
  const [area, group, serial] = value.split(/[ -]/).length === 3 ? value.split(/[ -]/) : [value.slice(0, 3), value.slice(3, 5), value.slice(5)]
  return !/^(?:000|666|9\d\d)$/.test(area!) && group !== '00' && serial !== '0000'
}

/**
 * A field name that names a secret (SECRET_KEY_WORDS): it ends with one of the words, glued to
 * its prefix for long words (`mysqlPassword`), after a separator for short ones (`x-auth-token`).
 */
const SECRET_NAME = String.raw`(?<![A-Za-z0-9_./-])(?:[A-Za-z0-9_.-]*?(?:${SECRET_KEY_WORDS.long.join('|')})|(?:[A-Za-z0-9_.-]*[_.-])?(?:${SECRET_KEY_WORDS.short.join('|')}))(?![A-Za-z0-9_])`
/**
 * A value after `=`, `:` or `=>`: inside \"…\" (JSON in a JSON string), "…" or '…' up to the
 * closing quote (`&`, spaces and `;` included); bare up to whitespace, a quote, `,`, `;` or `}`,
 * and up to an `&` only when the next query parameter follows it (`token=abc&user=bob`).
 */
const SECRET_VALUE = String.raw`(?:\\"((?:(?!\\")[^\n])*)\\"|"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|((?:[^\s"',;}&]|&(?![\w.-]+=))+))`
const QUOTED_OR_BARE = [1, 2, 3, 4]
/**
 * Values under a secret's name that are no secret: a Drain placeholder (`password=<*>` in a
 * template), a state or a method (`auth:SIMPLE)` in Hadoop, `token: null`), an object's dump
 * (Android's `token=Token{a64f992`, Java's `token: android.os.BinderProxy@2bd79ce`).
 */
function isSecretValue(value: string): boolean {
  const bare = value.replace(/[)\]]+$/, '')
  return !/^(?:<\*>)+$/.test(bare) && !/^[A-Z]\w*\{/.test(bare) && !/^[a-z_$][\w$]*(?:\.[\w$]+)+@[0-9a-f]+$/i.test(bare) && !/^(?:simple|kerberos|token|digest|basic|bearer|none|null|nil|undefined|true|false|yes|no|on|off|plain|ntlm|negotiate|sasl|gssapi|publickey|required|missing|empty|invalid|expired|ok|failed|\*+)$/i.test(bare)
}

/** A session id long enough to be one (not ZooKeeper's `sid:1`) and not a hex counter (`sessionid: 0x14ede63a5a70002`). */
const isSessionId = (value: string): boolean => value.length >= 8 && !/^0x[0-9a-f]+$/i.test(value)

const SESSION_KEYS = String.raw`(?:session[_-]?(?:id|token|key)|sessid|jsessionid|phpsessid|asp\.net_sessionid|sid|csrf[_-]?token|xsrf[_-]?token)`

const RULES: Rule[] = [
  // PEM private keys, whole or (in a line-per-record log) from their first line to the line's end.
  {kind: 'PRIVATE_KEY', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[^\n]*)/g, group: 0},
  // JSON Web Tokens: three base64url segments, the first a JSON header starting with {" (eyJ).
  {kind: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, group: 0},
  // Anthropic (sk-ant-...), OpenAI (sk-..., sk-proj-...) and similar provider keys.
  {kind: 'API_KEY', pattern: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, group: 0},
  // AWS access key ids.
  {kind: 'AWS_KEY', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, group: 0},
  // GitHub (ghp_, gho_, github_pat_), Slack (xoxb-, xoxp-…), Stripe (sk_live_, rk_test_, pk_live_, whsec_), Google (AIza…).
  {kind: 'API_KEY', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[a-z]-[A-Za-z0-9-]{10,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{30,})/g, group: 0},
  // Authorization: Bearer <token> / Basic <credentials>.
  {kind: 'TOKEN', pattern: /\b(?:Bearer|Basic)\s+(?!-)([A-Za-z0-9._~+/=-]{8,})/gi, group: 1},
  // key=value / key: value / "key": "value" / \"key\":\"value\" / key => 'value' for secret names: the whole value.
  {kind: 'SECRET', pattern: new RegExp(String.raw`${SECRET_NAME}(?:\\?["'])?[ \t]*(?:=>|[=:])[ \t]*${SECRET_VALUE}`, 'gi'), group: QUOTED_OR_BARE, accept: isSecretValue},
  // Command lines: mysql -pPASS, --password PASS (--password=PASS is a key=value above), curl -u user:PASS.
  {kind: 'SECRET', pattern: /\b(?:mysql|mysqladmin|mysqldump|mysqlimport|mysqlcheck|mariadb)\b[^\n|;&]*?\s-p(?:'([^'\n]*)'|"([^"\n]*)"|([^\s'"]+))/g, group: [1, 2, 3]},
  {kind: 'SECRET', pattern: new RegExp(String.raw`(?<![\w-])--(?:[a-z-]*-)?(?:${[...SECRET_KEY_WORDS.long, ...SECRET_KEY_WORDS.short].join('|')})[ \t]+(?:'([^'\n]*)'|"([^"\n]*)"|(?!-)([^\s'"]+))`, 'gi'), group: [1, 2, 3], accept: isSecretValue},
  {kind: 'SECRET', pattern: /\bcurl\b[^\n|;&]*?\s(?:-u|--user)[ \t]+['"]?[^\s:'"]+:([^\s'"]+)/g, group: 1},
  // Credentials embedded in URLs and connection strings: scheme://user:password@host. (Each
  // pattern with a leading run starts only where the run does, not at each of its characters:
  // a line of 64 KB of `a-a-a-…` takes milliseconds, not seconds.)
  {kind: 'SECRET', pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/gi, group: 1},
  // Cookie and Set-Cookie headers: the whole value (names and values alike can identify a session).
  {kind: 'COOKIE', pattern: /\b(?:set-)?cookie["']?\s*[=:]\s*["']?([^\r\n"']+)/gi, group: 1},
  {kind: 'SESSION', pattern: new RegExp(String.raw`\b${SESSION_KEYS}["']?\s*[=:]\s*["']?([^\s"',;&}<]+)`, 'gi'), group: 1, accept: isSessionId},
  // Payment cards: 13-19 digits in one run, or in groups of four (Amex 4-6-5) with one kind of
  // separator; only numbers that pass the Luhn check with a card network's prefix.
  {kind: 'CARD', pattern: /(?<![\w.-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|3[47]\d{2}([ -])\d{6}\2\d{5}|\d{13,19})(?![\w-]|\.\d)/g, group: 0, accept: isPaymentCard},
  // US social security numbers: NNN-NN-NNNN, or any 9 digits after `ssn` / `social security number`.
  {kind: 'SSN', pattern: /\b(?:ssn|social[ _-]?security(?:[ _-]?(?:number|no))?)\b["']?[ \t]*[=:#]?[ \t]*["']?(\d{3}([ -]?)\d{2}\2\d{4})(?![\w-])/gi, group: 1, accept: isSsn},
  {kind: 'SSN', pattern: /(?<![\w.-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)/g, group: 0, accept: isSsn},
  {kind: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, group: 0, accept: isIban},
  {kind: 'EMAIL', pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, group: 0, personal: true},
  // user=alice, uid=1000, username: bob, "user_id": "u-123"
  {kind: 'USER', pattern: /\b(?:user(?:name|_?id)?|uid|login|account)["']?\s*[=:]\s*["']?([^\s"',;&}<]+)/gi, group: 1, personal: true},
  // sshd: "Failed password for invalid user admin from", "Accepted publickey for alice from"
  {kind: 'USER', pattern: /\bfor (?:invalid user |illegal user )?([A-Za-z0-9._-]+) from\b/g, group: 1, personal: true},
  {kind: 'IP', pattern: /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g, group: 0, optional: 'ips', personal: true},
  {kind: 'IP', pattern: /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi, group: 0, optional: 'ips', personal: true},
  // Compressed IPv6 (fe80::1, 2001:db8::8a2e:370:7334): a `::` with hex groups around it.
  {kind: 'IP', pattern: /(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?(?![\w:])|(?<![\w:])::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}(?![\w:])/gi, group: 0, optional: 'ips', personal: true},
  // Phone numbers: a key that names one, an international +CC number, or (NNN) NNN-NNNN.
  {kind: 'PHONE', pattern: /\b(?:phone|tel|telephone|mobile|msisdn)(?:[_-]?(?:number|no))?["']?\s*[=:]\s*["']?(\+?[\d ().-]{7,20}\d)/gi, group: 1, accept: isPhone, personal: true},
  {kind: 'PHONE', pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])/g, group: 0, accept: isPhone, personal: true},
  {kind: 'PHONE', pattern: /(?<![\w)])\(\d{3}\) ?\d{3}[ .-]\d{4}\b/g, group: 0, personal: true},
  {
    kind: 'HOST',
    pattern: /(?<![a-z0-9.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|dev|cloud|internal|local|lan|corp|intra|svc|cluster)\b/gi,
    group: 0,
    optional: 'hostnames',
    personal: true,
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
    const enabled: Record<string, boolean> = {ips: options.ips !== false, hostnames: options.hostnames === true}
    this.rules = options.disabled ? [] : RULES.filter((rule) => (rule.optional === undefined || enabled[rule.optional]) && (options.personal !== false || !rule.personal))
  }

  /** Replace every sensitive value in `text` by its pseudonym. */
  redact(text: string): string {
    let out = text
    for (const rule of this.rules) {
      rule.pattern.lastIndex = 0
      out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
        const value = typeof rule.group === 'number' ? (rule.group === 0 ? match : (rest[rule.group - 1] as string | undefined)) : rule.group.map((g) => rest[g - 1] as string | undefined).find((v) => v !== undefined)
        if (!value || IS_PSEUDONYM.test(value)) return match
        if (rule.accept && !rule.accept(value)) return match
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

  /** `redact` applied to every string value (not the keys) of a JSON-like value; the input is not modified. */
  redactDeep<T>(value: T): T {
    return mapStrings(value, (text) => this.redact(text))
  }

  /** `restore` applied to every string inside a JSON-like value. */
  restoreDeep<T>(value: T): T {
    return mapStrings(value, (text) => this.restore(text))
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

function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = mapStrings(item, map)
    return out as T
  }
  return value
}

/**
 * Credentials, card numbers and SSNs masked (`password=<SECRET_1>`) in every string of `value`,
 * for what Flare sends or shows outside a prompt (live incident events, notes); e-mails, users,
 * IPs and hosts are kept, as the on-call engineer needs them. Pseudonyms are numbered per call.
 */
export function maskSecrets<T>(value: T): T {
  return new Redactor({personal: false}).redactDeep(value)
}
