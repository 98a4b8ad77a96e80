import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {bglFormat, genericFormat, hdfsFormat, jsonlFormat, logfmtFormat, opensshFormat, syslogFormat, type LogFormat, type LogRecord} from '../../../src/core/ingest/index.js'
import {fixtures} from './helpers.js'

function fixtureLines(name: string): string[] {
  return readFileSync(path.join(fixtures, name), 'utf8').split('\n').filter((l) => l.length > 0)
}

function parseAll(format: LogFormat, name: string): LogRecord[] {
  return fixtureLines(name).map((line, i) => {
    expect(format.matches(line), `${format.name} should match: ${line}`).toBe(true)
    const record = format.parse(line, i + 1)
    expect(record, line).not.toBeNull()
    return record!
  })
}

const iso = (r: LogRecord) => (r.timestamp === undefined ? undefined : new Date(r.timestamp).toISOString())

describe('hdfs', () => {
  const records = parseAll(hdfsFormat, 'hdfs.log')

  it('splits date, time, pid, level, component and content', () => {
    expect(records[0]).toEqual({
      lineId: 1,
      lineCount: 1,
      timestamp: Date.UTC(2008, 10, 9, 20, 36, 15),
      rawTimestamp: '081109 203615',
      level: 'INFO',
      component: 'dfs.DataNode$PacketResponder',
      content: 'PacketResponder 1 for block blk_38865049064139660 terminating',
      sessionKeys: ['blk_38865049064139660'],
      sessionKind: 'block',
      format: 'hdfs',
      pid: '148',
    })
    expect(records[3].level).toBe('WARN')
    expect(records[3].content).toBe('10.251.71.193:50010:Got exception while serving blk_-5031433426541025155 to /10.251.71.193:')
  })

  it('keeps the content after the first ": " only', () => {
    expect(records[2].component).toBe('dfs.FSNamesystem')
    expect(records[2].content).toMatch(/^BLOCK\* NameSystem\.addStoredBlock: blockMap updated/)
  })

  it('puts a line naming several blocks in each, once', () => {
    expect(records[4].sessionKeys).toEqual(['blk_1', 'blk_2'])
    expect(records[1].sessionKeys).toEqual(['blk_-6952295868487656571'])
  })

  it('rejects other shapes', () => {
    for (const line of ['081109 203615 148 HELLO dfs.X: y', '2015-10-18 18:01:47,978 INFO x', '08110 203615 148 INFO a: b', ''])
      expect(hdfsFormat.matches(line), line).toBe(false)
    expect(hdfsFormat.parse('not hdfs at all', 1)).toBeNull()
  })
})

describe('syslog', () => {
  const records = parseAll(syslogFormat, 'syslog.log')

  it('parses RFC 3164 with prog(sub)[pid], trimming trailing blanks', () => {
    expect(records[0]).toMatchObject({
      host: 'combo',
      component: 'sshd(pam_unix)',
      pid: '19939',
      content: 'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4',
      rawTimestamp: 'Jun 14 15:16:01',
      format: 'syslog',
    })
    expect(iso(records[0])).toBe(`0000-06-14T15:16:01.000Z`)
    expect(records[2]).toMatchObject({rawTimestamp: 'Jun  9 06:06:20', component: 'kernel', pid: undefined})
  })

  it('handles Mac tags with spaces and (address) suffixes', () => {
    expect(records[4]).toMatchObject({component: 'com.apple.xpc.launchd', pid: '1', content: 'Service exited with abnormal code: 1'})
    expect(records[5]).toMatchObject({component: 'Microsoft Word', pid: '14463'})
  })

  it('reads the severity from <PRI>', () => {
    expect(records[6]).toMatchObject({level: 'CRITICAL', component: 'su', host: 'mymachine', content: "'su root' failed for lonvick on /dev/pts/8"})
  })

  it('parses RFC 5424 with and without structured data', () => {
    expect(records[7]).toMatchObject({
      level: 'NOTICE',
      host: 'mymachine.example.com',
      component: 'evntslog',
      content: 'An application event log entry',
      timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
    })
    expect(records[8]).toMatchObject({level: 'CRITICAL', component: 'su', content: "'su root' failed for lonvick on /dev/pts/8"})
  })

  it('does not claim other formats', () => {
    expect(syslogFormat.matches('081109 203615 148 INFO dfs.DataNode: x')).toBe(false)
    expect(syslogFormat.matches('2015-10-18 18:01:47,978 INFO [main] a: b')).toBe(false)
  })
})

describe('openssh', () => {
  const records = parseAll(opensshFormat, 'openssh.log')

  it('uses the sshd pid as the session key', () => {
    expect(records[0]).toMatchObject({host: 'LabSZ', component: 'sshd', sessionKeys: ['24200'], sessionKind: 'pid', format: 'openssh'})
    expect(records[3].sessionKeys).toEqual(['24203'])
    expect(records[1].content).toBe('Invalid user webmaster from 173.234.31.186')
    expect(records[4].content).toBe('pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=52.80.34.196  user=root')
  })

  it('only matches sshd lines', () => {
    expect(opensshFormat.matches('Jun 14 15:16:01 combo su(pam_unix)[19939]: session opened')).toBe(false)
  })
})

describe('bgl', () => {
  const records = parseAll(bglFormat, 'bgl.log')

  it('parses Blue Gene/L lines', () => {
    expect(records[0]).toMatchObject({
      alertLabel: '-',
      timestamp: 1117838570000,
      host: 'R02-M1-N0-C:J12-U11',
      component: 'KERNEL',
      level: 'INFO',
      content: 'instruction cache parity error corrected',
    })
    expect(records[1]).toMatchObject({alertLabel: 'KERNDTLB', level: 'FATAL', content: 'data TLB error interrupt'})
  })

  it('parses the Thunderbird syslog tail', () => {
    expect(records[2]).toMatchObject({alertLabel: '-', host: 'dn228', component: 'crond(pam_unix)', pid: '2915', content: 'session closed for user root'})
    expect(records[3].content).toBe('(root) CMD (run-parts /etc/cron.hourly)')
  })

  it('parses a raw line without the label column into the same fields', () => {
    const raw = '1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected'
    expect(bglFormat.matches(raw)).toBe(true)
    const record = bglFormat.parse(raw, 1)!
    expect(record).toMatchObject({timestamp: 1117838570000, rawTimestamp: '1117838570', host: 'R02-M1-N0-C:J12-U11', component: 'KERNEL', level: 'INFO', content: 'instruction cache parity error corrected'})
    expect(record.alertLabel).toBeUndefined()
    expect(bglFormat.matches('1117838570 is not a BGL line at all')).toBe(false)
  })
})

describe('jsonl', () => {
  const records = parseAll(jsonlFormat, 'app.jsonl')

  it('reads pino-style objects (numeric level, epoch ms, trace id preferred over span id)', () => {
    expect(records[0]).toMatchObject({level: 'INFO', timestamp: 1700000000000, component: 'checkout', content: 'order placed', sessionKeys: ['4bf92f3577b34da6a3ce929d0e0e4736'], sessionKind: 'request'})
  })

  it('reads ECS dotted and nested fields', () => {
    expect(records[1]).toMatchObject({level: 'WARN', component: 'db-proxy', content: 'slow query', sessionKeys: ['abc123def456'], timestamp: Date.parse('2023-11-14T22:13:20.123Z')})
  })

  it('reads epoch seconds, lvl, logger and requestId', () => {
    expect(records[2]).toMatchObject({level: 'ERROR', component: 'payments.gateway', timestamp: 1700000001500, sessionKeys: ['req-7f3c']})
  })

  it('builds key=value content when there is no message field', () => {
    expect(records[3].content).toBe('event=cache miss key=user:17 region=eu')
    expect(records[3].level).toBe('INFO')
  })

  it('strips the newline Docker keeps in "log"', () => {
    expect(records[4].content).toBe('GET /healthz 200')
  })

  it('reads the host and pid pino, bunyan and ECS write', () => {
    expect(jsonlFormat.parse('{"level":30,"time":1700000000000,"pid":812,"hostname":"web-02","msg":"up"}', 1)).toMatchObject({host: 'web-02', pid: '812', level: 'INFO', content: 'up'})
    expect(jsonlFormat.parse('{"@timestamp":"2026-12-04T16:10:37Z","host":{"name":"db-1"},"process":{"pid":7},"log.level":"warn","message":"slow"}', 1)).toMatchObject({host: 'db-1', pid: '7', level: 'WARN'})
  })

  it('reads journalctl -o json: MESSAGE, PRIORITY, _HOSTNAME, SYSLOG_IDENTIFIER, _PID, __REALTIME_TIMESTAMP (µs)', () => {
    const line = '{"__REALTIME_TIMESTAMP":"1796400637123456","_HOSTNAME":"web-01","PRIORITY":"3","SYSLOG_IDENTIFIER":"nginx","_PID":"812","_BOOT_ID":"9f3","MESSAGE":"upstream timed out"}'
    expect(jsonlFormat.parse(line, 1)).toMatchObject({content: 'upstream timed out', level: 'ERROR', host: 'web-01', component: 'nginx', pid: '812', timestamp: 1796400637123})
    expect(jsonlFormat.parse(line.replace('"PRIORITY":"3"', '"PRIORITY":"6"'), 1)?.level).toBe('INFO')
    // a MESSAGE journald could not write as a string comes as its bytes
    expect(jsonlFormat.parse('{"MESSAGE":[104,105,32,226,156,147],"PRIORITY":"3","__REALTIME_TIMESTAMP":"1775210400000000"}', 2)?.content).toBe('hi ✓')
  })

  it('reads the level and time of a plain-text line inside a record without a level field (Docker json-file)', () => {
    const app = jsonlFormat.parse('{"log":"2026-12-04T16:10:37.123Z WARN  [main] c.e.App - pool at 90%\\n","stream":"stdout","time":"2026-12-04T16:10:37.5Z"}', 1)
    expect(app).toMatchObject({level: 'WARN', component: 'c.e.App', content: 'pool at 90%', timestamp: Date.parse('2026-12-04T16:10:37.5Z')})
    expect(jsonlFormat.parse('{"log":"ERROR: connection to db-1:5432 refused\\n","stream":"stderr","time":"2026-12-04T16:10:38Z"}', 2)).toMatchObject({level: 'ERROR', content: 'connection to db-1:5432 refused'})
    // a message without a header stays whole; a level field wins over words in the message
    expect(jsonlFormat.parse('{"log":"GET /healthz 200\\n","time":"2026-12-04T16:10:38Z"}', 3)).toMatchObject({level: undefined, content: 'GET /healthz 200'})
    expect(jsonlFormat.parse('{"level":"info","msg":"ERROR: counted, not raised"}', 4)).toMatchObject({level: 'INFO', content: 'ERROR: counted, not raised'})
    // a word that is a level only when written as one
    for (const msg of ['Critical path computed in 3 ms', 'Error rate back to normal', 'Debug mode disabled'])
      expect(jsonlFormat.parse(JSON.stringify({msg, ts: '2026-04-03T10:00:00Z'}), 5), msg).toMatchObject({level: undefined, content: msg})
    for (const [msg, level] of [['Error: disk full', 'ERROR'], ['[warn] slow', 'WARN'], ['FATAL out of memory', 'FATAL']])
      expect(jsonlFormat.parse(JSON.stringify({msg}), 6)?.level, msg).toBe(level)
  })

  it('rejects non-objects and broken JSON', () => {
    for (const line of ['[1,2]', '{"a": 1', 'plain text', '"string"']) expect(jsonlFormat.matches(line), line).toBe(false)
    expect(jsonlFormat.parse('{"a": ', 1)).toBeNull()
  })
})

describe('generic', () => {
  const lines = fixtureLines('generic-shapes.log')
  const records = lines.map((line, i) => genericFormat.parse(line, i + 1)!)
  const pick = (r: LogRecord) => ({level: r.level, component: r.component, content: r.content})

  it.each([
    [0, {level: 'INFO', component: 'org.apache.hadoop.mapreduce.v2.app.MRAppMaster', content: 'Created MRAppMaster for application appattempt_1445144423722_0020_000001'}],
    [1, {level: 'INFO', component: 'spark.SecurityManager', content: 'Changing view acls to: yarn,curi'}],
    [2, {level: 'NOTICE', component: undefined, content: 'workerEnv.init() ok /etc/httpd/conf/workers2.properties'}],
    [3, {level: 'ERROR', component: undefined, content: '[client 207.203.80.15] Directory index forbidden by rule: /var/www/html/'}],
    [4, {level: 'DEBUG', component: 'PowerManagerService', content: 'acquire lock=233570404, flags=0x1, tag="View Lock"'}],
    [5, {level: undefined, component: 'Step_LSC', content: 'onStandStepChanged 3579'}],
    [6, {level: undefined, component: 'chrome.exe', content: 'proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS'}],
    [7, {level: undefined, component: 'chrome.exe *64', content: 'dj1.baidu.com:80 close, 1369 bytes (1.33 KB) sent, 289 bytes received, lifetime 00:30'}],
    [8, {level: 'INFO', component: 'CBS', content: 'Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\cbscore.dll'}],
    [9, {level: 'INFO', component: 'QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774', content: 'Notification time out: 3200'}],
    [10, {level: 'INFO', component: 'nova.osapi_compute.wsgi.server', content: '10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 200'}],
    [11, {level: undefined, component: undefined, content: 'Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1973)'}],
    [12, {level: undefined, component: undefined, content: 'warning'}],
    [13, {level: 'WARN', component: 'c.e.Cache', content: 'eviction storm, 1200 keys'}],
    [14, {level: 'ERROR', component: 'myapp.db', content: 'connection lost'}],
    [15, {level: undefined, component: undefined, content: 'service restarted'}],
    [16, {level: undefined, component: undefined, content: 'GET /apache_pb.gif 200'}],
  ])('line %i: level, component and content', (index, expected) => {
    expect(pick(records[index])).toEqual(expected)
    expect(genericFormat.matches(lines[index])).toBe(true)
  })

  it.each([
    [0, {level: 'INFO', component: 'controller.go:123', content: 'Starting controller name=foo', pid: '1234', rawTimestamp: 'I0102 15:04:05.123456'}],
    [1, {level: 'INFO', component: undefined, content: 'database system is ready to accept connections', pid: '1234', rawTimestamp: '2024-01-02 15:04:05.123 UTC'}],
    [2, {level: 'INFO', component: 'o.s.b.w.embedded.tomcat.TomcatWebServer', content: 'Tomcat started on port(s): 8080 (http)', pid: '1', rawTimestamp: '2024-01-02T15:04:05.123Z'}],
    [3, {level: 'INFO', component: 'com.foo.Bar', content: 'Started in 3.2s', pid: undefined, rawTimestamp: '2024-01-02 15:04:05.123'}],
    [4, {level: 'ERROR', component: '1234#0', content: '*5 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)', pid: undefined, rawTimestamp: '2024/01/02 15:04:05'}],
    [5, {level: undefined, component: undefined, content: '"GET /apache_pb.gif HTTP/1.0" 200 2326', pid: undefined, rawTimestamp: '10/Oct/2000:13:55:36 -0700'}],
    [6, {level: 'DEBUG', component: 'com.foo', content: 'hello', pid: undefined, rawTimestamp: '15:04:05.123'}],
  ])('more shapes (klog, PostgreSQL, Spring Boot, logback, nginx, access log, bare time) %i', (index, expected) => {
    const line = fixtureLines('generic-more.log')[index]
    const r = genericFormat.parse(line, 1)!
    expect({level: r.level, component: r.component, content: r.content, pid: r.pid, rawTimestamp: r.rawTimestamp}).toEqual(expected)
  })

  it('reads the timestamps', () => {
    expect(iso(records[0])).toBe('2015-10-18T18:01:47.978Z')
    expect(iso(records[1])).toBe('2017-06-09T20:10:40.000Z')
    expect(iso(records[2])).toBe('2005-12-04T04:47:44.000Z')
    expect(iso(records[4])).toBe(`0000-03-17T16:13:38.819Z`)
    expect(iso(records[5])).toBe('2017-12-23T22:15:29.606Z')
    expect(records[6].rawTimestamp).toBe('10.30 16:49:06')
    expect(iso(records[10])).toBe('2017-05-16T00:00:00.008Z')
    expect(iso(records[11])).toBe('2004-02-26T14:12:22.000Z')
    expect(iso(records[13])).toBe('2024-01-02T01:04:05.678Z')
    expect(iso(records[16])).toBe('2000-10-10T20:55:36.000Z')
  })

  it('finds request ids in the header and pids', () => {
    expect(records[10]).toMatchObject({sessionKeys: ['req-38101a0b-2096-447d-96ea-a692162415ae'], sessionKind: 'request', pid: '25746'})
    expect(records[4].pid).toBe('1702')
  })

  it('takes a level only from the header, never from the message', () => {
    const r = genericFormat.parse('2024-01-01 10:00:00 INFO app.Main: ERROR count is 0, WARN none', 1)!
    expect(r.level).toBe('INFO')
    expect(r.content).toBe('ERROR count is 0, WARN none')
    const noLevel = genericFormat.parse('2024-01-01 10:00:00 user logged in with error code 0', 1)!
    expect(noLevel.level).toBeUndefined()
    expect(noLevel.content).toBe('user logged in with error code 0')
  })

  it('parses untimed lines as whole content, with a leading level when present', () => {
    expect(genericFormat.matches('just some text')).toBe(false)
    expect(genericFormat.parse('just some text  ', 7)).toMatchObject({lineId: 7, content: 'just some text', level: undefined, timestamp: undefined})
    expect(genericFormat.parse('ERROR: disk full on /var', 1)).toMatchObject({level: 'ERROR', content: 'disk full on /var'})
    expect(genericFormat.parse('[WARN] low memory', 1)).toMatchObject({level: 'WARN', content: 'low memory'})
  })

  it('peels a host or node name between the timestamp (or a pid) and a level word off the content', () => {
    expect(genericFormat.parse('2024-01-05T10:00:00Z node-17 INFO job 42 started', 1)).toMatchObject({host: 'node-17', level: 'INFO', content: 'job 42 started'})
    expect(genericFormat.parse('1704448800 R02-M1-N0-C:J12-U11 WARN fan speed low', 1)).toMatchObject({host: 'R02-M1-N0-C:J12-U11', level: 'WARN', content: 'fan speed low', timestamp: 1704448800000})
    expect(genericFormat.parse('2024-01-05 10:00:02,123 4711 web-03 ERROR request failed', 1)).toMatchObject({pid: '4711', host: 'web-03', level: 'ERROR', content: 'request failed'})
    // no level word after it: the token is the message's first word, not a host
    const plain = genericFormat.parse('2024-01-05T10:00:00Z node-17 rebooted after 3 tries', 1)!
    expect(plain.host).toBeUndefined()
    expect(plain.content).toBe('node-17 rebooted after 3 tries')
  })

  it('does not take ids or counters for epoch timestamps', () => {
    expect(genericFormat.matches('12345 things happened')).toBe(false)
    expect(genericFormat.matches('99999999999 bytes')).toBe(false)
  })
})

describe('logfmt', () => {
  const records = parseAll(logfmtFormat, 'app.logfmt')

  it('reads quoted and bare values with the structured field names', () => {
    expect(records[0]).toMatchObject({level: 'INFO', content: 'server started', timestamp: Date.parse('2024-01-02T15:04:05Z'), format: 'logfmt'})
    expect(records[1]).toMatchObject({level: 'WARN', content: 'slow request "GET /"', sessionKeys: ['9f8e7d6c'], sessionKind: 'request'})
  })

  it('builds content from the other pairs when there is no msg', () => {
    expect(records[2]).toMatchObject({level: 'ERROR', component: 'store', content: 'caller=db.go:42 err=connection refused'})
  })

  it('needs the whole line to be pairs, with a well-known key', () => {
    for (const line of ['a=1 b=2', 'level=info and then free text', 'msg="unterminated', '2024-01-01 10:00:00 INFO a=b c=d'])
      expect(logfmtFormat.matches(line), line).toBe(false)
  })
})
