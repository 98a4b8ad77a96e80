import {ExitCode, FlareError} from '../errors.js'

/** Bytes inspected for binary content at the start of the (decompressed) input. */
export const SNIFF_BYTES = 8192

const ARCHIVES: Array<[number[], string, string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive', 'unzip -p FILE | flare ... -'],
  [[0x42, 0x5a, 0x68], 'a bzip2 file', 'bzcat FILE | flare ... -'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz file', 'xzcat FILE | flare ... -'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd file', 'zstdcat FILE | flare ... -'],
]

export function refuseArchives(head: Buffer, source: string): void {
  for (const [magic, what, how] of ARCHIVES) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b))
      throw new FlareError(`${source} is ${what}; Flare reads plain text and gzip only.`, {exitCode: ExitCode.badInput, hint: `Decompress it on the fly: ${how}`})
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    throw new FlareError(`${source} is UTF-16 text; Flare reads UTF-8.`, {
      exitCode: ExitCode.badInput,
      hint: 'Convert it first: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8',
    })
}

/**
 * Refuses binary input from its first 8 KiB (gathered across chunks: a pipe may deliver a few
 * bytes at a time): any NUL, or more than 10% control characters other than tab, CR, LF, FF, VT
 * and ESC (ANSI colours are fine). Strips a UTF-8 byte-order mark from the first chunk.
 */
export class TextSniffer {
  private seen = 0
  private control = 0

  constructor(private readonly source: string) {}

  check(chunk: Buffer): Buffer {
    if (this.seen >= SNIFF_BYTES) return chunk
    const first = this.seen === 0
    if (first) refuseArchives(chunk, this.source)
    const n = Math.min(chunk.length, SNIFF_BYTES - this.seen)
    for (let i = 0; i < n; i++) {
      const b = chunk[i]
      if (b === 0)
        throw new FlareError(`${this.source} looks like binary data, not a text log (it contains NUL bytes).`, {
          exitCode: ExitCode.badInput,
          hint: 'Pass a plain-text or gzip-compressed log file. For UTF-16 logs, convert with iconv -f UTF-16 -t UTF-8.',
        })
      if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 11 && b !== 0x1b) || b === 0x7f) this.control++
    }
    this.seen += n
    // Judge the ratio once enough bytes are in (or at the first chunk of a short input).
    if (this.seen >= 64 || this.seen >= SNIFF_BYTES || first) {
      if (this.seen >= 16 && this.control / this.seen > 0.1)
        throw new FlareError(`${this.source} looks like binary data, not a text log (${Math.round((100 * this.control) / this.seen)}% control characters).`, {
          exitCode: ExitCode.badInput,
          hint: 'Pass a plain-text or gzip-compressed log file.',
        })
    }
    if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3)
    return chunk
  }
}

