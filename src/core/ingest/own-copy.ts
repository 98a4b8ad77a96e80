/**
 * A copy of `s` that holds nothing else: a line is a slice of the string its whole read chunk was
 * decoded into, and a session id or sample line kept past its chunk would keep the chunk alive
 * (every chunk of the input, through the ids of closed sessions).
 */
export function ownCopy(s: string): string {
  // Slicing a concatenation flattens it into a new string: the slice then refers to that alone.
  return s.length < 13 ? s : (' ' + s).slice(1)
}
