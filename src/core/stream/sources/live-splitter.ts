/**
 * Splits byte chunks into lines for live sources: the partial last line is held until its
 * newline arrives, a CR before the LF is removed, and a line longer than `maxLineBytes` is cut
 * there (the rest of it, up to its newline, is skipped) so a writer that never sends a newline
 * can't grow memory.
 */
export class LiveSplitter {
  private carry: Buffer[] = []
  private carryBytes = 0
  /** Inside an over-long line: its head was emitted, bytes are skipped up to the next newline. */
  private skipping = false

  constructor(
    private readonly maxLineBytes: number,
    private readonly onTruncated: () => void,
  ) {}

  /** Bytes held for an unfinished line. */
  get pending(): number {
    return this.carryBytes
  }

  push(chunk: Buffer, emit: (line: string) => void): void {
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start)
      const end = nl < 0 ? chunk.length : nl
      if (this.skipping) {
        if (nl >= 0) this.skipping = false
      } else if (this.carryBytes + (end - start) > this.maxLineBytes) {
        this.carry.push(chunk.subarray(start, end))
        this.emitCut(emit)
        this.skipping = nl < 0
      } else if (nl < 0) {
        // Copied: the caller reuses its read buffer.
        this.carry.push(Buffer.from(chunk.subarray(start, end)))
        this.carryBytes += end - start
      } else {
        const piece = chunk.subarray(start, end)
        const bytes = this.carryBytes === 0 ? piece : Buffer.concat([...this.carry, piece])
        this.reset()
        emit(decodeLine(bytes))
      }
      if (nl < 0) break
      start = nl + 1
    }
  }

  /**
   * As push(), but the complete lines after the chunk's first newline and up to its last one go to
   * `emitRegion` as bytes (chunk[start, end), with the count of its lines; the caller copies them,
   * the chunk is its read buffer) instead of as strings: the first line (which may finish a held
   * one) and the unfinished tail go as push() takes them. Chunks longer than the line limit, where
   * a line inside could need cutting, go to push().
   */
  pushRegion(chunk: Buffer, emit: (line: string) => void, emitRegion: (chunk: Buffer, start: number, end: number, lines: number) => void): void {
    const first = chunk.indexOf(10)
    const last = chunk.lastIndexOf(10)
    if (first < 0 || first === last || chunk.length > this.maxLineBytes) {
      this.push(chunk, emit)
      return
    }
    this.push(chunk.subarray(0, first + 1), emit)
    let lines = 0
    for (let nl = first; nl >= 0 && nl < last; nl = chunk.indexOf(10, nl + 1)) lines++
    emitRegion(chunk, first + 1, last + 1, lines)
    if (last + 1 < chunk.length) this.push(chunk.subarray(last + 1), emit)
  }

  /** Emits the held partial line (the file is finished: rotated away or the stream ended). */
  flush(emit: (line: string) => void): void {
    if (this.carryBytes > 0) emit(decodeLine(Buffer.concat(this.carry)))
    this.reset()
    this.skipping = false
  }

  /** Forgets the held partial line (the file was truncated under it). */
  discard(): number {
    const lost = this.carryBytes
    this.reset()
    this.skipping = false
    return lost
  }

  private emitCut(emit: (line: string) => void): void {
    const all = Buffer.concat(this.carry)
    this.reset()
    emit(decodeLine(all.subarray(0, utf8Boundary(all, this.maxLineBytes))))
    this.onTruncated()
  }

  private reset(): void {
    this.carry = []
    this.carryBytes = 0
  }
}

/** The lines of bytes[start, end), complete lines each ended by its newline, as push() emits them. */
export function regionLines(bytes: Buffer, start: number, end: number, out: string[]): void {
  for (let ls = start; ls < end; ) {
    let le = bytes.indexOf(10, ls)
    if (le < 0 || le >= end) le = end
    out.push(decodeLine(bytes.subarray(ls, le)))
    ls = le + 1
  }
}

function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length
  return bytes.toString('utf8', 0, end)
}

/** The largest cut <= limit that does not split a UTF-8 sequence. */
export function utf8Boundary(bytes: Buffer, limit: number): number {
  let cut = Math.min(limit, bytes.length)
  let back = 0
  while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xc0) === 0x80 && back < 3) {
    cut--
    back++
  }
  return cut
}
