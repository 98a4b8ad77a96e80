/**
 * RFC 6587 TCP framing, told apart frame by frame: a frame starting with a digit is octet-counted
 * (`LEN SP MSG`), anything else runs to its newline (non-transparent framing). Memory per
 * connection is bounded by `maxFrameBytes`: an oversized frame is skipped byte by byte, never held.
 */
export class SyslogFramer {
  private mode: 'start' | 'length' | 'octets' | 'line' | 'skip-octets' | 'skip-line' = 'start'
  private parts: Buffer[] = []
  private held = 0
  private digits = ''
  private remaining = 0

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onReject: (reason: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let i = 0
    while (i < chunk.length) {
      switch (this.mode) {
        case 'start': {
          const c = chunk[i]
          if (c === 10 || c === 13 || c === 0 || c === 32) i++
          else this.mode = c >= 48 && c <= 57 ? 'length' : 'line'
          break
        }
        case 'length': {
          const c = chunk[i]
          if (c >= 48 && c <= 57 && this.digits.length < 10) {
            this.digits += String.fromCharCode(c)
            i++
          } else if (c === 32 && this.digits.length > 0) {
            i++
            this.remaining = Number(this.digits)
            this.digits = ''
            if (this.remaining > this.maxFrameBytes) {
              this.onReject(`octet-counted frame of ${this.remaining} bytes exceeds ${this.maxFrameBytes}`)
              this.mode = 'skip-octets'
            } else {
              this.mode = this.remaining === 0 ? 'start' : 'octets'
            }
          } else {
            // Not a length after all: the digits begin a newline-framed message.
            this.hold(Buffer.from(this.digits))
            this.digits = ''
            this.mode = 'line'
          }
          break
        }
        case 'octets': {
          const take = Math.min(this.remaining, chunk.length - i)
          if (this.held === 0 && take === this.remaining) {
            // The whole frame is in this chunk: handed over without a copy (the consumer decodes it now).
            this.mode = 'start'
            this.remaining = 0
            this.onFrame(chunk.subarray(i, i + take))
            i += take
            break
          }
          this.hold(chunk.subarray(i, i + take))
          i += take
          this.remaining -= take
          if (this.remaining === 0) this.emit()
          break
        }
        case 'skip-octets': {
          const take = Math.min(this.remaining, chunk.length - i)
          i += take
          this.remaining -= take
          if (this.remaining === 0) this.mode = 'start'
          break
        }
        case 'line': {
          const nl = chunk.indexOf(10, i)
          const end = nl < 0 ? chunk.length : nl
          if (this.held + (end - i) > this.maxFrameBytes) {
            this.onReject(`line-framed message exceeds ${this.maxFrameBytes} bytes`)
            this.parts = []
            this.held = 0
            this.mode = nl < 0 ? 'skip-line' : 'start'
          } else if (this.held === 0 && nl >= 0) {
            this.mode = 'start'
            this.onFrame(chunk.subarray(i, end))
          } else {
            this.hold(chunk.subarray(i, end))
            if (nl >= 0) this.emit()
          }
          i = nl < 0 ? chunk.length : nl + 1
          break
        }
        case 'skip-line': {
          const nl = chunk.indexOf(10, i)
          if (nl >= 0) this.mode = 'start'
          i = nl < 0 ? chunk.length : nl + 1
          break
        }
      }
    }
  }

  /** The connection closed: a newline-framed message without its newline is still a message. */
  end(): void {
    if (this.mode === 'line' && this.held > 0) this.emit()
    else if (this.mode === 'octets' || this.mode === 'length') this.onReject('connection closed inside a frame')
    this.parts = []
    this.held = 0
  }

  private hold(bytes: Buffer): void {
    // Copied: the socket's buffer is not ours to keep.
    this.parts.push(Buffer.from(bytes))
    this.held += bytes.length
  }

  private emit(): void {
    const frame = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)
    this.parts = []
    this.held = 0
    this.mode = 'start'
    this.onFrame(frame)
  }
}
