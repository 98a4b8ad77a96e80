/** Pieces of the seeded HDFS-like generators of the differential tests (fast vs general path, bytes vs lines). */

/** A seeded LCG: rand(n) is an integer in [0, n). */
export function seededRand(seed: number): (n: number) => number {
  let x = seed
  return (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) % n
  }
}

/** HDFS's `yyMMdd HHmmss` stamp for second `t` after 2008-11-09 00:00:00. */
export function hdfsStamp(t: number): string {
  return `0811${String(9 + Math.floor(t / 86400)).padStart(2, '0')} ${String(Math.floor((t % 86400) / 3600)).padStart(2, '0')}${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}${String(t % 60).padStart(2, '0')}`
}
