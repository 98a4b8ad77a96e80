import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {LogRecord} from '../../../src/core/ingest/record.js'
import {readLabels, readLabelsInto} from '../../../src/core/evaluate/labels.js'
import {SessionStore, type SessionKeyMode} from '../../../src/core/sessions/store.js'

/** A run's labels (LabelList) as an array. */
const listed = (labels: {length: number; at(i: number): boolean | undefined} | undefined): Array<boolean | undefined> => Array.from({length: labels?.length ?? 0}, (_, i) => labels!.at(i))

/**
 * Labels read straight onto the sessions (SessionStore.labelSink, what `detect` does) against the
 * table of every id looked up per session (readLabels): the same label for every session, the
 * same count of labelled ids and anomalies, and the same error for a bad file.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flare-label-sink-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
let files = 0
const file = (text: string) => {
  const p = path.join(dir, `labels-${files++}.csv`)
  fs.writeFileSync(p, text)
  return p
}

function storeOf(mode: SessionKeyMode, ids: string[]) {
  const store = new SessionStore({mode})
  const kind = mode === 'block' ? 'block' : mode === 'request' ? 'request' : 'pid'
  ids.forEach((id, i) => store.add({lineId: i + 1, lineCount: 1, content: 'x', format: 'test', sessionKeys: [id], sessionKind: kind} as LogRecord, i % 3), 0)
  return {store, sessions: [...store.finish({keepLookups: true})]}
}

async function outcome<T>(run: () => Promise<T>): Promise<{value?: T; error?: string}> {
  try {
    return {value: await run()}
  } catch (error) {
    return {error: String(error)}
  }
}

describe('labels read onto the sessions', () => {
  const blockIds = Array.from({length: 400}, (_, i) => `blk_${i % 2 ? '-' : ''}${1000 + i * 7}`)
  // (ASCII ids go through the plain reader and the lookups by bytes; ids with an é through csv-parse and the lookups by string)
  const requestIds = Array.from({length: 400}, (_, i) => `req-${i}-${(i * 7919).toString(36)}`)
  const accentedIds = Array.from({length: 400}, (_, i) => `req-${i}-é${i % 5}`)
  const pidIds = Array.from({length: 400}, (_, i) => `host${i % 4}:${2000 + i}`)
  const rows = (ids: string[], from: number, to: number, every = 4) => ids.slice(from, to).map((id, i) => `${id},${i % every === 0 ? 'Anomaly' : 'Normal'}`)
  const cases = (ids: string[]): Array<[string, string]> => [
    ['every session', ['Id,Label', ...rows(ids, 0, ids.length)].join('\n') + '\n'],
    ['some sessions, ids of no session, repeats that agree', ['Id,Label', ...rows(ids, 0, 150), 'blk_999999,Anomaly', 'other,Normal', ...rows(ids, 100, 200), 'other,Normal', ...rows(ids, 300, 350, 3)].join('\n') + '\n'],
    ['quoted (csv-parse)', ['"Id","Label"', ...rows(ids, 0, 250).map((r) => r.replace(/^([^,]*),(.*)$/, '"$1","$2"')), '"not a session","1"'].join('\r\n') + '\r\n'],
    ['a session labelled two ways', ['Id,Label', ...rows(ids, 0, 50), `${ids[7]},${7 % 4 === 0 ? 'Normal' : 'Anomaly'}`].join('\n') + '\n'],
    ['an id of no session labelled two ways', ['Id,Label', ...rows(ids, 0, 50), 'ghost,Normal', 'ghost,Anomaly'].join('\n') + '\n'],
    ['none of the sessions', ['Id,Label', 'ghost,Normal', 'blk_1,Anomaly'].join('\n') + '\n'],
    // The plain reader takes rows, then gives up at a quoted one: csv-parse starts again, on a fresh sink.
    ['plain rows, then a quoted one', ['Id,Label', ...rows(ids, 0, 120), `"${ids[130]}",Anomaly`, ...rows(ids, 140, 200)].join('\n') + '\n'],
  ]

  for (const [mode, ids] of [['block', blockIds], ['request', requestIds], ['request', accentedIds], ['pid', pidIds]] as const) {
    for (const [name, text] of cases(ids)) {
      it(`${mode} sessions (${ids[1]}), ${name}: as the table of every id says`, async () => {
        const labelsPath = file(text)
        const {store, sessions} = storeOf(mode, ids)
        expect(sessions).toHaveLength(ids.length)
        const table = await outcome(async () => {
          const set = await readLabels(labelsPath)
          return {bySession: sessions.map((s) => set.labels.get(s.id)), count: set.labels.size, anomalies: set.anomalies, idColumn: set.idColumn}
        })
        const sink = await outcome(async () => {
          const set = await readLabelsInto(labelsPath, () => store.labelSink())
          return {bySession: listed(set.labels.labelsOf(sessions)), count: set.labels.size, anomalies: set.anomalies, idColumn: set.idColumn}
        })
        expect(sink).toEqual(table)
        // Not vacuous: the good files label sessions, the bad ones fail.
        if (/two ways/.test(name)) expect(table.error).toMatch(/labelled (anomalous|normal) here and/)
        else if (name === 'none of the sessions') expect(table.value?.bySession.every((l) => l === undefined)).toBe(true)
        else expect(table.value?.bySession.filter((l) => l !== undefined).length).toBeGreaterThan(100)
      })
    }
  }

  it('gives every read a fresh sink (a reader that starts again does not see the first one\'s labels); none once the lookups are released', () => {
    const {store, sessions} = storeOf('block', blockIds)
    const first = store.labelSink()
    first.add(blockIds[0], true)
    expect(first.get(blockIds[0])).toBe(true)
    expect(first.sessionsLabelled).toBe(1)
    expect(first.others.size).toBe(0)
    expect(first.labelsOf(sessions).at(0)).toBe(true)
    expect(store.labelSink().get(blockIds[0])).toBeUndefined()
    store.release()
    expect(() => store.labelSink()).toThrow(/released/)
    // finish() releases them unless asked not to.
    const plain = new SessionStore({mode: 'block'})
    plain.finish()
    expect(() => plain.labelSink()).toThrow(/released/)
  })
})
