/**
 * Whether a URL answers, probed in the background at most once a minute so a health check never
 * waits on the network: the first check says null (unknown) and starts a probe.
 */
export class Reachability {
  private last: boolean | null = null
  private probedAt = 0
  private probing = false

  constructor(private readonly url: string, private readonly everyMs = 60_000, private readonly timeoutMs = 2000) {}

  check(): boolean | null {
    if (!this.probing && Date.now() - this.probedAt > this.everyMs) void this.probe()
    return this.last
  }

  private async probe(): Promise<void> {
    this.probing = true
    try {
      // Any HTTP answer (even 401/404) means the endpoint is up; only a network failure is "down".
      await fetch(this.url, {method: 'GET', signal: AbortSignal.timeout(this.timeoutMs)})
      this.last = true
    } catch {
      this.last = false
    } finally {
      this.probedAt = Date.now()
      this.probing = false
    }
  }
}
