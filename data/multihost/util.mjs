// Seeded randomness and RFC 3164 formatting shared by the multi-host syslog generator.

/** mulberry32: small, fast, and the same stream on every platform for a given seed. */
export function prng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Helpers bound to one random stream, so every draw comes from the seed. */
export function randomTools(r) {
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const hex = (n) => {
    let s = ''
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)]
    return s
  }
  /** Poisson draw: Knuth below 30, a rounded normal above (counts per minute only need the shape). */
  const poisson = (lambda) => {
    if (lambda <= 0) return 0
    if (lambda > 30) {
      const u = Math.max(r(), 1e-12)
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r())
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z))
    }
    const limit = Math.exp(-lambda)
    let k = 0
    let p = r()
    while (p > limit) {
      k++
      p *= r()
    }
    return k
  }
  const shuffle = (xs) => {
    const a = xs.slice()
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1))
      ;[a[i], a[j]] = [a[j], a[i]]
    }
    return a
  }
  const publicIp = () => {
    // avoid private, loopback and multicast ranges: scanners come from the public internet
    const first = pick([5, 23, 37, 45, 61, 78, 89, 91, 103, 106, 112, 118, 122, 139, 141, 159, 164, 171, 178, 180, 183, 185, 188, 193, 194, 195, 198, 201, 209, 218, 221, 222])
    return `${first}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
  }
  return {r, int, pick, hex, poisson, shuffle, publicIp}
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
export const pad = (n, w = 2) => String(n).padStart(w, '0')

/** `Mar  4 09:05:17`: RFC 3164 pads a one-digit day with a space, as rsyslog writes it. */
export function syslogStamp(ms) {
  const d = new Date(ms)
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** `2026/03/04 09:05:17`, the stamp nginx writes inside its own error-log messages. */
export function nginxStamp(ms) {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

export const MINUTE = 60_000
export const HOUR = 3_600_000

/**
 * Share of peak traffic at a time of day: lowest near 04:00, highest mid-afternoon, never zero
 * (night traffic is thin, not absent).
 */
export function dayCurve(ms) {
  const h = (ms % 86_400_000) / HOUR
  return 0.12 + 0.88 * ((1 - Math.cos((2 * Math.PI * (h - 4)) / 24)) / 2) ** 1.5
}
