import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {replayFile} from '../../../src/core/stream/replay.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-replay-order-'))
})
afterAll(() => rm(dir, {recursive: true, force: true}))

const line = (minute: number, text: string): string => `2015-07-29 10:${String(minute).padStart(2, '0')}:00,000 - INFO  [main:Node@1] - ${text}`

async function replayed(lines: string[], format = 'generic'): Promise<{played: string[]; notes: string[]}> {
  const path = join(dir, `log-${lines.length}-${Math.random().toString(36).slice(2)}.log`)
  await writeFile(path, lines.join('\n') + '\n')
  const played: string[] = []
  const notes: string[] = []
  await replayFile({input: path, pace: {kind: 'max'}, format, onNote: (n) => notes.push(n), deliver: (batch) => void played.push(...batch.map((l) => l.text))})
  return {played, notes}
}

describe('replay of a file that holds several logs one after another', () => {
  it("merges them by event time; a record's continuation lines stay with it", async () => {
    // Two servers' logs, 200 lines each, the second starting back at minute 0.
    const a = Array.from({length: 200}, (_, i) => line(Math.floor(i / 4), `server a event ${i}`))
    const b = Array.from({length: 200}, (_, i) => line(Math.floor(i / 4), `server b event ${i}`))
    b.splice(101, 0, '\tat org.Example.trace(Example.java:1)')
    const {played, notes} = await replayed([...a, ...b])
    expect(played).toHaveLength(401)
    expect(notes.join()).toMatch(/2 logs one after another/)
    const minute = (text: string): number => Number(/10:(\d\d):/.exec(text)?.[1] ?? -1)
    const times = played.map(minute).filter((m) => m >= 0)
    expect(times).toEqual([...times].sort((x, y) => x - y))
    const trace = played.indexOf('\tat org.Example.trace(Example.java:1)')
    expect(played[trace - 1]).toBe(b[100])
  })

  it('plays a year-less syslog log across New Year as one log, in file order (Jan 1 is the next year)', async () => {
    const dec = Array.from({length: 150}, (_, i) => `Dec 31 23:${String(30 + Math.floor(i / 6)).padStart(2, '0')}:0${i % 6} web-01 cron[${i}]: tick ${i}`)
    const jan = Array.from({length: 150}, (_, i) => `Jan  1 00:${String(Math.floor(i / 6)).padStart(2, '0')}:0${i % 6} web-01 cron[${i}]: tock ${i}`)
    // a late Dec 31 line among the January ones stays where it is
    jan.splice(10, 0, 'Dec 31 23:59:59 web-01 cron[9]: late')
    const {played, notes} = await replayed([...dec, ...jan], 'syslog')
    expect(notes.join()).not.toMatch(/one after another/)
    expect(played).toEqual([...dec, ...jan])
  })

  it('plays a file in one time order as it is, with no note', async () => {
    const lines = Array.from({length: 300}, (_, i) => line(Math.floor(i / 10), `event ${i}`))
    const {played, notes} = await replayed(lines)
    expect(played).toEqual(lines)
    expect(notes).toEqual([])
  })
})
