import {describe, expect, it} from 'vitest'
import {criFormat, detectFormat, jsonlFormat} from '../../../src/core/ingest/index.js'

describe('cri format (Kubernetes container log files)', () => {
  it("reads the runtime's time and the program's line: level, component and message, its own time peeled off", () => {
    const r = criFormat.parse('2026-12-04T16:10:37.123456789Z stdout F 2026-12-04 16:10:36,900 WARN  [main] c.e.Pool - pool at 90%', 3)
    expect(r).toMatchObject({lineId: 3, timestamp: Date.parse('2026-12-04T16:10:37.123Z'), rawTimestamp: '2026-12-04T16:10:37.123456789Z', level: 'WARN', component: 'c.e.Pool', content: 'pool at 90%', format: 'cri'})
    expect(criFormat.parse('2026-12-04T17:10:38.5+01:00 stderr F ERROR: connection to db-1:5432 refused', 4)).toMatchObject({timestamp: Date.parse('2026-12-04T16:10:38.5Z'), level: 'ERROR', content: 'connection to db-1:5432 refused'})
    // parsed alone, a part of a long line (P) and an empty line are records too (the assembler joins parts: container-lines.test.ts)
    expect(criFormat.parse('2026-12-04T16:10:39Z stdout P {"a":', 5)?.content).toBe('{"a":')
    expect(criFormat.parse('2026-12-04T16:10:39Z stdout F', 6)?.content).toBe('')
  })

  it('refuses other lines, and is what detection picks for a container log', () => {
    for (const line of ['2026-12-04T16:10:37Z stdin F x', '2026-12-04T16:10:37Z stdout X x', '2026-12-04 16:10:37 stdout F x', 'stdout F x'])
      expect(criFormat.matches(line), line).toBe(false)
    const lines = Array.from({length: 40}, (_, i) => `2026-12-04T16:${String(i).padStart(2, '0')}:00.${i}Z ${i % 5 ? 'stdout' : 'stderr'} F ${i % 5 ? 'INFO' : 'ERROR'} request ${i} done`)
    expect(detectFormat(lines).format.name).toBe('cri')
  })
})

describe('a line inside a container log (CRI, Docker json-file)', () => {
  it('is read as what it is: JSON by its fields, an access line as one, plain text only by a header it has', () => {
    expect(criFormat.parse('2026-04-03T10:00:02Z stdout F {"level":"error","msg":"db down","trace_id":"abc123"}', 1)).toMatchObject({level: 'ERROR', content: 'db down', sessionKeys: ['abc123'], timestamp: Date.parse('2026-04-03T10:00:02Z')})
    expect(criFormat.parse('2026-04-03T10:00:02Z stdout F 10.0.0.9 - - [03/Apr/2026:10:00:02 +0000] "GET /cart HTTP/1.1" 503 12 "-" "curl/8"', 2)).toMatchObject({level: 'ERROR', content: 'GET /cart HTTP/1.1 503 Service Unavailable', format: 'cri'})
    const prose = criFormat.parse('2026-04-03T10:00:02Z stdout F Critical path computed in 3 ms', 3)
    expect([prose?.level, prose?.content]).toEqual([undefined, 'Critical path computed in 3 ms'])
    expect(jsonlFormat.parse(JSON.stringify({log: '{"level":"warn","msg":"pool at 90%"}\n', stream: 'stdout', time: '2026-04-03T10:00:03Z'}), 4)).toMatchObject({level: 'WARN', content: 'pool at 90%', timestamp: Date.parse('2026-04-03T10:00:03Z')})
    expect(jsonlFormat.parse(JSON.stringify({log: '10.0.0.9 - - [03/Apr/2026:10:00:02 +0000] "POST /login HTTP/1.1" 401 0\n', time: '2026-04-03T10:00:03Z'}), 5)).toMatchObject({level: 'WARN', content: 'POST /login HTTP/1.1 401 Unauthorized'})
  })
})
