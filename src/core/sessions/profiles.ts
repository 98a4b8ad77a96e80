import {widened} from '../templates/masking/classify.js'

/**
 * Distinct session profiles: the templates with their counts and the transitions with theirs, in
 * order of first appearance — everything a session holds but its first lines. Sessions repeat a
 * few profiles (HDFS_2percent: 1,396 among 11,501 blocks; a bigger log of the same system, few
 * more), so a packed session keeps a profile's offset and its first lines instead of ~45 numbers.
 * Each profile is stored once: nt, ntr, nt × [template, count], ntr × [transition key, count].
 * Profiles stay for the table's life: a session packed again with other counts adds one (shared
 * by sessions with the same), and its old first lines stay behind in their batch.
 */
export class ProfileTable {
  data = new Float64Array(1024)
  private used = 0
  /** Open addressing: profile offset + 1 (0: empty), and the profile's hash beside it. */
  private slots = new Int32Array(2 * 1024)
  private profiles = 0

  get size(): number {
    return this.profiles
  }

  /**
   * The offset of the profile of flat triples t[tFrom, tFrom + tLen) (templates) and pairs
   * tr[trFrom, trFrom + trLen) (transitions), added when new.
   */
  intern(t: ArrayLike<number>, tFrom: number, tLen: number, tr: ArrayLike<number>, trFrom: number, trLen: number): number {
    const nt = tLen / 3
    const ntr = trLen / 2
    let h = mix(mix(0x811c9dc5, nt), ntr)
    for (let k = tFrom; k < tFrom + tLen; k += 3) h = mix(mix(h, t[k]), t[k + 1])
    for (let k = trFrom; k < trFrom + trLen; k++) h = mix(h, tr[k])
    const slots = this.slots
    const mask = (slots.length >> 1) - 1
    let s = h & mask
    for (; slots[2 * s] !== 0; s = (s + 1) & mask) {
      if (slots[2 * s + 1] === h && this.equals(slots[2 * s] - 1, t, tFrom, tLen, tr, trFrom, trLen)) return slots[2 * s] - 1
    }
    const at = this.append(t, tFrom, tLen, tr, trFrom, trLen)
    slots[2 * s] = at + 1
    slots[2 * s + 1] = h
    if (++this.profiles * 2 > mask + 1) this.rehash()
    return at
  }

  private equals(p: number, t: ArrayLike<number>, tFrom: number, tLen: number, tr: ArrayLike<number>, trFrom: number, trLen: number): boolean {
    const d = this.data
    if (d[p] * 3 !== tLen || d[p + 1] * 2 !== trLen) return false
    let q = p + 2
    for (let k = tFrom; k < tFrom + tLen; k += 3, q += 2) if (d[q] !== t[k] || d[q + 1] !== t[k + 1]) return false
    for (let k = trFrom; k < trFrom + trLen; k++, q++) if (d[q] !== tr[k]) return false
    return true
  }

  private append(t: ArrayLike<number>, tFrom: number, tLen: number, tr: ArrayLike<number>, trFrom: number, trLen: number): number {
    const need = 2 + (2 * tLen) / 3 + trLen
    if (this.used + need > this.data.length) {
      this.data = widened(this.data, Math.max(2 * this.data.length, this.used + need))
    }
    const d = this.data
    const at = this.used
    let q = at
    d[q++] = tLen / 3
    d[q++] = trLen / 2
    for (let k = tFrom; k < tFrom + tLen; k += 3) {
      d[q++] = t[k]
      d[q++] = t[k + 1]
    }
    for (let k = trFrom; k < trFrom + trLen; k++) d[q++] = tr[k]
    this.used = q
    return at
  }

  private rehash(): void {
    const old = this.slots
    const slots = new Int32Array(2 * old.length)
    const mask = (slots.length >> 1) - 1
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] === 0) continue
      let r = old[s + 1] & mask
      while (slots[2 * r] !== 0) r = (r + 1) & mask
      slots[2 * r] = old[s]
      slots[2 * r + 1] = old[s + 1]
    }
    this.slots = slots
  }
}

/** One FNV-1a step over an integer of up to 53 bits (its low and high 32 bits). */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 16777619)
  return Math.imul(h ^ ((v / 4294967296) | 0), 16777619)
}

