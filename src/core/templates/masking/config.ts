/** What masking replaces, and the types a parameter can have. */
export type ParamType = 'ip' | 'host' | 'number' | 'hex' | 'uuid' | 'path' | 'block' | 'url' | 'email' | 'time' | 'other'

export interface Param {
  value: string
  type: ParamType
}

export interface MaskingConfig {
  ip: boolean
  /** host.name:port (a dotted host name with a numeric port). */
  host: boolean
  number: boolean
  hex: boolean
  uuid: boolean
  path: boolean
  /** HDFS block ids: blk_123, blk_-123. */
  block: boolean
  url: boolean
  email: boolean
  /** Times and dates inside messages: 12:04:33, 2017-12-31, 2017-12-31T10:00:00.123Z. */
  time: boolean
  /** Unit words after a masked number (KB, ms, sec, ...) join the parameter: `(1.98 KB)`, `<1 sec`. */
  units: boolean
  /** Any other segment containing a digit is a parameter (type 'other'), e.g. host names like node-17. */
  digitSegments: boolean
  /**
   * Characters that split a whitespace token into segments that are masked on their own, so
   * `size=42,` becomes `size=<*>,`. A token made only of parameters and these characters collapses
   * to a single `<*>`.
   */
  delimiters: string
}

export const defaultMaskingConfig: Readonly<MaskingConfig> = Object.freeze({
  ip: true,
  host: true,
  number: true,
  hex: true,
  uuid: true,
  path: true,
  block: true,
  url: true,
  email: true,
  time: true,
  units: true,
  digitSegments: true,
  delimiters: '=,;()[]{}"\'<>|#',
})
