import {describe, expect, it} from 'vitest'
import {Redactor, isIban, isPaymentCard} from '../../../src/core/explain/redact.js'

// What a security reviewer expects never to reach a remote model: each case is a line as it appears
// in real logs, and the value that must not survive redaction.
const MUST_GO: Array<[string, string]> = [
  ['paid with 4111 1111 1111 1111 ok', '4111 1111 1111 1111'],
  ['{"card_number": "5500005555555559"}', '5500005555555559'],
  ['card=4111-1111-1111-1111.', '4111-1111-1111-1111'],
  ['amex 3782 822463 10005 charged', '3782 822463 10005'],
  ['iban DE89 3704 0044 0532 0130 00 refunded', 'DE89 3704 0044 0532 0130 00'],
  ['to GB82WEST12345698765432', 'GB82WEST12345698765432'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAxyz\n-----END RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEAxyz'],
  ['key material: -----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'],
  ['connect postgres://app:hunter2@db.internal:5432/orders', 'hunter2'],
  ['mongodb+srv://svc:s3cr3tP4ss@cluster0.example.net/db', 's3cr3tP4ss'],
  ['Server=db;User Id=sa;Password=Secr3t!;', 'Secr3t!'],
  ['Cookie: sid=abc123def; theme=dark', 'abc123def'],
  ['Set-Cookie: SESSION=ZmFrZXNlc3Npb24; Path=/; HttpOnly', 'ZmFrZXNlc3Npb24'],
  ['GET /cart;jsessionid=0A1B2C3D4E5F HTTP/1.1', '0A1B2C3D4E5F'],
  ['login ok session_id=9f8e7d6c5b', '9f8e7d6c5b'],
  ['sms to +1 415 555 0100 failed', '415 555 0100'],
  ['callback (415) 555-0100', '555-0100'],
  ['"phone": "+44 20 7946 0958"', '7946 0958'],
  ['from 10.0.0.5 port 22', '10.0.0.5'],
  ['peer fe80::1ff:fe23:4567:890a down', 'fe80::1ff:fe23:4567:890a'],
  ['bind 2001:db8::1 failed', '2001:db8::1'],
]

// Look-alikes that carry the information an engineer needs and must stay as they are.
const MUST_STAY = [
  '081109 203518 143 INFO dfs.DataNode$PacketResponder: Received block blk_-4111111111111111 of size 67108864',
  'blk_4111111111111111 replicated',
  'order 1234567812345678 shipped', // fails the Luhn check
  'at 20:42:47 std::string 2008-11-09 version 2.7.3',
  'not an iban DE12 3456 7890',
  'took 1234 ms, 5678 rows',
  'pid 31337 exited with status 1',
]

describe('redaction of secrets and personal data', () => {
  it('replaces every card number, IBAN, key, credential, cookie, session id, phone number and IP', () => {
    const r = new Redactor()
    for (const [line, secret] of MUST_GO) {
      const red = r.redact(line)
      expect(red, line).not.toContain(secret)
      expect(red, line).toMatch(/<[A-Z_]+_\d+>/)
      expect(r.restore(red), line).toBe(line)
    }
  })

  it('leaves block ids, timestamps, counters and numbers that fail their checksum alone', () => {
    const r = new Redactor()
    for (const line of MUST_STAY) expect(r.redact(line)).toBe(line)
  })

  it('checks cards with Luhn and a network prefix, IBANs with mod 97', () => {
    expect(isPaymentCard('4111111111111111')).toBe(true)
    expect(isPaymentCard('4111111111111112')).toBe(false)
    expect(isPaymentCard('0000000000000000')).toBe(false) // passes Luhn, no network starts with 0
    expect(isIban('DE89370400440532013000')).toBe(true)
    expect(isIban('DE89370400440532013001')).toBe(false)
  })

  it('keeps IPs when asked to, and gives one value one pseudonym', () => {
    expect(new Redactor({ips: false}).redact('from 10.0.0.5')).toBe('from 10.0.0.5')
    const r = new Redactor()
    expect(r.redact('4111 1111 1111 1111 then 4111 1111 1111 1111')).toBe('<CARD_1> then <CARD_1>')
  })
})
