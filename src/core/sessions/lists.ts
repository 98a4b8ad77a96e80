/**
 * Where Session.readLists() copies a session's lists: `templates[0, templateWords)` as triples,
 * `transitions[0, transitionWords)` as pairs. One per loop, reused for every session.
 */
export class SessionLists {
  templates = new Float64Array(96)
  templateWords = 0
  transitions = new Float64Array(64)
  transitionWords = 0

  /** `templates`, with room for n words (its contents are not kept), n words in use. */
  templateRoom(n: number): Float64Array {
    if (n > this.templates.length) this.templates = new Float64Array(Math.max(n, 2 * this.templates.length))
    this.templateWords = n
    return this.templates
  }

  transitionRoom(n: number): Float64Array {
    if (n > this.transitions.length) this.transitions = new Float64Array(Math.max(n, 2 * this.transitions.length))
    this.transitionWords = n
    return this.transitions
  }
}
