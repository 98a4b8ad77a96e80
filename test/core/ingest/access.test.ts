import {describe, expect, it} from 'vitest'
import {accessFormat, detectFormat, syslogFormat} from '../../../src/core/ingest/index.js'
import {statusReason} from '../../../src/core/ingest/formats/access.js'

const combined = '203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 502 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'

describe('access format', () => {
  it('reads a combined line: request and status in words, level from the status, the zone applied', () => {
    const r = accessFormat.parse(combined, 7)
    expect(r).toEqual({
      lineId: 7,
      lineCount: 1,
      timestamp: Date.UTC(2000, 9, 10, 20, 55, 36),
      rawTimestamp: '10/Oct/2000:13:55:36 -0700',
      level: 'ERROR',
      content: 'GET /apache_pb.gif?x=1 HTTP/1.0 502 Bad Gateway',
      sessionKeys: [],
      sessionKind: undefined,
      format: 'access',
      host: undefined,
      client: '203.0.113.9',
      status: 502,
    })
  })

  it('reads common lines, a virtual host, odd requests and the statuses servers invent', () => {
    const common = accessFormat.parse('::1 - - [04/Dec/2026:16:10:37 +0000] "POST /login HTTP/2.0" 404 -', 1)
    expect(common).toMatchObject({content: 'POST /login HTTP/2.0 404 Not Found', level: 'WARN', host: undefined, client: '::1', status: 404})
    const vhost = accessFormat.parse('shop.example.com:443 10.0.0.7 - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"', 2)
    expect(vhost).toMatchObject({content: 'GET / HTTP/1.1 200 OK', level: 'INFO', host: 'shop.example.com:443', client: '10.0.0.7', status: 200})
    // (a client written as `-`: none)
    expect(accessFormat.parse('- - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" 200 512', 4)?.client).toBeUndefined()
    // nginx logs a client that hung up as 499, and a request of junk as it came, quotes and all.
    expect(accessFormat.parse('1.2.3.4 - - [04/Dec/2026:16:10:37 +0000] "-" 499 0 "-" "-"', 3)?.content).toBe('- 499 Client Closed Request')
    expect(accessFormat.parse('1.2.3.4 - - [04/Dec/2026:16:10:37 +0000] "GET /a"b HTTP/1.1" 400 0', 4)?.content).toBe('GET /a"b HTTP/1.1 400 Bad Request')
    expect(statusReason(599)).toBe('Server Error')
    expect(accessFormat.parse('1.2.3.4 - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" 999 0', 5)).toMatchObject({content: 'GET / HTTP/1.1 999 Unknown Status', level: undefined})
    // a word before the client that is no host is not the host: docker logs -t, a forwarded-for list
    for (const first of ['2026-12-04T16:10:37.123456789Z', '203.0.113.5,'])
      expect(accessFormat.parse(`${first} 10.0.0.1 - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" 200 5`, 6)).toMatchObject({content: 'GET / HTTP/1.1 200 OK', host: undefined})
    expect(accessFormat.parse('web-2 10.0.0.1 - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" 200 5', 7)?.host).toBe('web-2')
    expect(statusReason(299)).toBe('Success')
  })

  it('refuses lines of other shapes', () => {
    // A syslog line carrying an access line (HAProxy) stays syslog: too many words before the date.
    const haproxy = 'Apr  3 00:00:00 lb-east haproxy[2498]: 61.172.86.170:10371 [03/Apr/2026:00:00:00.228] fe_https~ be_ledger/app-2 0/0/0/23/25 200 1852 - - ---- 247/66/4/9/0 0/0 "GET /v2/x HTTP/1.1"'
    expect(accessFormat.matches(haproxy)).toBe(false)
    expect(syslogFormat.matches(haproxy)).toBe(true)
    for (const line of [
      '1.2.3.4 - - [not a date] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [04/Dec/2026:16:10:37 +0000] "GET / HTTP/1.1" OK 1',
      '1.2.3.4 - - [04/Dec/2026:16:10:37 +0000] GET / HTTP/1.1 200 1',
      '2026-12-04 16:10:37 INFO [main] started',
    ])
      expect(accessFormat.matches(line), line).toBe(false)
  })

  it('is what detection picks for an access log', () => {
    const lines = Array.from({length: 50}, (_, i) => `10.0.0.${i} - - [04/Dec/2026:16:${String(i).padStart(2, '0')}:00 +0000] "GET /orders/${i} HTTP/1.1" ${i % 7 ? 200 : 503} ${100 + i} "-" "Go-http-client/1.1"`)
    expect(detectFormat(lines).format.name).toBe('access')
  })
})
