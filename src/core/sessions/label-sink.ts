/**
 * Labels read straight onto a run's sessions: each row of a label file is looked up among the
 * sessions by its id (its bytes, as the session store keeps them), and the session's label is set
 * there. Only ids that name no session go to a table of their own (for their conflicts and their
 * count). So a label file of every session of a big log costs a byte a session, not a table of
 * every id, and no string is made per session to look it up. See SessionStore.labelSink.
 */
import type {LabelSink} from '../evaluate/label-rows.js'
import type {LabelList} from '../evaluate/metrics.js'
import {LabelTable} from '../evaluate/label-table.js'
import type {Session, Sessions} from './session.js'

/** How the store finds a session by its id (undefined: none has it). */
export interface SessionLookup {
  byBytes(buf: Uint8Array, a: number, b: number): Session | undefined
  byId(id: string): Session | undefined
}

const NORMAL = 1
const ANOMALOUS = 2

export class SessionLabelSink implements LabelSink {
  /** Per session, by its order: 0 (no label yet), NORMAL or ANOMALOUS. */
  private readonly byOrder: Uint8Array
  /** Sessions labelled so far. */
  private labelled = 0
  /** Ids that name no session. */
  readonly others = new LabelTable()

  constructor(
    private readonly lookup: SessionLookup,
    sessions: number,
  ) {
    this.byOrder = new Uint8Array(sessions)
  }

  get size(): number {
    return this.labelled + this.others.size
  }

  /** Distinct ids that name a session of the run. */
  get sessionsLabelled(): number {
    return this.labelled
  }

  get(id: string): boolean | undefined {
    const s = this.lookup.byId(id)
    return s === undefined ? this.others.get(id) : decode(this.byOrder[s.order])
  }

  add(id: string, label: boolean): void {
    const s = this.lookup.byId(id)
    if (s === undefined) this.others.add(id, label)
    else this.set(s, label)
  }

  addBytesIfAbsent(buf: Uint8Array, a: number, b: number, label: boolean): boolean | undefined {
    const s = this.lookup.byBytes(buf, a, b)
    if (s === undefined) return this.others.addBytesIfAbsent(buf, a, b, label)
    const earlier = decode(this.byOrder[s.order])
    if (earlier === undefined) this.set(s, label)
    return earlier
  }

  trim(): void {
    this.others.trim()
  }

  /** Each of `sessions`' label: true/false when its id is labelled, undefined otherwise (a byte a session). */
  labelsOf(sessions: Sessions): LabelList {
    const codes = new Uint8Array(sessions.length)
    let i = 0
    for (const s of sessions) codes[i++] = this.byOrder[s.order]
    return new CodedLabels(codes)
  }

  private set(s: Session, label: boolean): void {
    this.byOrder[s.order] = label ? ANOMALOUS : NORMAL
    this.labelled++
  }
}

/** Labels as codes (0 none, NORMAL, ANOMALOUS): a byte a session where an array of booleans takes eight. */
class CodedLabels implements LabelList {
  constructor(private readonly codes: Uint8Array) {}

  get length(): number {
    return this.codes.length
  }

  at(index: number): boolean | undefined {
    return decode(this.codes[index < 0 ? index + this.codes.length : index])
  }
}

function decode(code: number | undefined): boolean | undefined {
  return code === ANOMALOUS ? true : code === NORMAL ? false : undefined
}
