import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {Redactor} from '../../../src/core/explain/redact.js'
import {datasets, repoRoot} from '../../helpers/cli.js'

// Credentials and identity numbers as they appear in real log lines, and the part that must go.
const MUST_GO: Array<[string, string]> = [
  ['aws call failed aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['stripe charge failed key sk_live_51H8abcdefghijklmnopqrstuv', 'sk_live_51H8abcdefghijklmnopqrstuv'],
  ['stripe sk_test_51H8abcdefghijklmnop', 'sk_test_51H8abcdefghijklmnop'],
  ['restricted rk_live_51H8abcdefghijklmnop used', 'rk_live_51H8abcdefghijklmnop'],
  ['publishable pk_live_51H8abcdefghijklmnop', 'pk_live_51H8abcdefghijklmnop'],
  ['maps failed key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
  ['push with ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
  ['github_pat_11ABCDEFG0abcdefghijklmnopqrstuv rejected', 'github_pat_11ABCDEFG0abcdefghijklmnopqrstuv'],
  ['slack xoxb-123456789012-abcdefghijkl failed', 'xoxb-123456789012-abcdefghijkl'],
  ['config dump {"password":"Tr0ub4dor&3"}', 'Tr0ub4dor&3'],
  ['config dump {"password":"Tr0ub4dor&3"}', '&3"'],
  ['escaped {\\"client_secret\\":\\"a b&c;d\\"}', 'a b&c;d'],
  ["opts = {'passwd': 'p@ss w0rd'}", 'p@ss w0rd'],
  ['DB_PASSWORD=s3cr3t-v4lue other=1', 's3cr3t-v4lue'],
  ['mysqlPassword: hunter2', 'hunter2'],
  ['x-auth-token: tkn-123456', 'tkn-123456'],
  ['api-key=0123abcd private_key="-----x" credentials=alice:pw', '0123abcd'],
  ['api-key=0123abcd private_key="-----x" credentials=alice:pw', 'alice:pw'],
  ['password: Tr0ub4dor&3 next', 'Tr0ub4dor&3'],
  ['GET /cb?token=abc123&user=bob', 'abc123'],
  ['mysql -uroot -pR00tPassw0rd -h db', 'R00tPassw0rd'],
  ["mysqladmin -u root -p'two words' status", 'two words'],
  ['deploy --password hunter2 --user bob', 'hunter2'],
  ['deploy --db-password=hunter3', 'hunter3'],
  ['aws configure --aws-secret-access-key abcXYZ123 --region eu', 'abcXYZ123'],
  ['gh auth --token t0kEnValue', 't0kEnValue'],
  ['curl -u admin:s3cretPW https://x', 's3cretPW'],
  ['Authorization: Bearer abcdefgh12345678.zzz', 'abcdefgh12345678.zzz'],
  ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZw', 'eyJhbGciOiJIUzI1NiJ9'],
  ['-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA', 'b3BlbnNzaC1rZXktdjEAAAAA'],
  ['url=https://bob:pw0rdSECRET@db.internal/x', 'pw0rdSECRET'],
  ['payment failed ssn 123-45-6789', '123-45-6789'],
  ['SSN=123456789 on file', '123456789'],
  ['customer 078-05-1120 updated', '078-05-1120'],
  ['paid 4111111111111111', '4111111111111111'],
]

// Ordinary values an explanation needs: none may change, even with every rule on.
const MUST_STAY = [
  '081109 203518 143 INFO dfs.DataNode$PacketResponder: Received block blk_-1608999687919862906 of size 67108864 from /10.251.91.84',
  'req 0a1b2c3d4e5f6a7b8c9d took 123ms, retry in 1.5s, 2008-11-09 20:42:47',
  'phone-like 555-123-4567, version 1.22.333, dates 2026-11-20, ids 000-12-3456 666-12-3456 123-00-4567',
  'order 1234567812345678 shipped', // fails the Luhn check
  'bypass=1 oauth=ok compass: north max_tokens=1024 token_count=5 passed=3 author=me',
  'login failed for <*> password=<*>', // a template's placeholder
  'Auth successful for job_1445144423722_0020 (auth:SIMPLE)',
  'Skipping AppWindowToken{df0798e token=Token{78af589 ActivityRecord{3b04890 u0 com.x/.Main t14}}}',
  'Bad activity token: android.os.BinderProxy@2bd79ce',
  'Could not get event name for stream/token: com.apple.xpc.activity/4505: 132',
  'Processed session termination for sessionid: 0x14ede63a5a70002 (sid:1)',
  'password: required, token: null',
  'proxy --auth basic --pass-through 3 --password --user bob', // a flag's value that is a method, or the next flag
]

describe('redaction of credentials in log lines', () => {
  it('masks every secret value whole, whatever its quoting, and restores it', () => {
    for (const [line, secret] of MUST_GO) {
      const r = new Redactor({personal: false})
      const red = r.redact(line)
      expect(red, line).not.toContain(secret)
      expect(r.restore(red), line).toBe(line)
    }
  })

  it('keeps the shape of the line: only the value goes', () => {
    const r = new Redactor()
    expect(r.redact('config dump {"password":"Tr0ub4dor&3"}')).toBe('config dump {"password":"<SECRET_1>"}')
    expect(r.redact('aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('aws_secret_access_key=<SECRET_2>')
    expect(r.redact('mysql -pR00tPassw0rd db')).toBe('mysql -p<SECRET_3> db')
    expect(r.redact('payment failed ssn 123-45-6789')).toBe('payment failed ssn <SSN_1>')
  })

  it('leaves block ids, IPs, durations, request ids, placeholders and look-alike names alone', () => {
    for (const line of MUST_STAY) expect(new Redactor({ips: false}).redact(line), line).toBe(line)
  })

  it('takes linear time on long runs of name characters (was seconds for 64 KB of a-a-a-…)', () => {
    for (const line of ['a-'.repeat(32_000), 'x.'.repeat(32_000), `${'a.'.repeat(20_000)}@x`]) {
      const started = performance.now()
      new Redactor({hostnames: true}).redact(line)
      expect(performance.now() - started, line.slice(0, 6)).toBeLessThan(2000)
    }
  })

  it('with personal: false keeps e-mails, users and IPs but still masks credentials', () => {
    const r = new Redactor({personal: false})
    expect(r.redact('user=alice from 10.0.0.5 mail a@b.co password=hunter2SECRET')).toBe('user=alice from 10.0.0.5 mail a@b.co password=<SECRET_1>')
  })
})

/** The sample logs of the repository and the loghub 2k logs, when present. */
function realLogs(): string[] {
  const files = [join(repoRoot, 'data/hdfs_sample.log'), join(repoRoot, 'data/syslog_sample.log')].filter((f) => existsSync(f))
  const loghub = join(datasets, 'loghub-2k')
  if (existsSync(loghub)) for (const dir of readdirSync(loghub)) if (existsSync(join(loghub, dir, `${dir}_2k.log`))) files.push(join(loghub, dir, `${dir}_2k.log`))
  return files
}

describe('credential rules on real logs', () => {
  const logs = realLogs()
  const loghub = logs.filter((f) => f.includes('loghub-2k'))
  if (loghub.length === 0) console.warn(`skipping the loghub part: ${join(datasets, 'loghub-2k')} is absent`)

  it.skipIf(logs.length === 0)('mask nothing in logs that hold no credentials (hdfs, syslog, loghub 2k)', () => {
    for (const file of logs) {
      const r = new Redactor({personal: false})
      const changed = readFileSync(file, 'utf8').split('\n').filter((line) => r.redact(line) !== line)
      expect(changed, file).toEqual([])
    }
  })
})
