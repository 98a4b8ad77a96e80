import Table from 'cli-table3'
import {colorEnabled} from './style.js'

/** A cli-table3 table with Flare's look; plain ASCII-free borders stay readable when piped. */
export function table(head: string[], options: {colAligns?: Array<'left' | 'right' | 'center'>} = {}): Table.Table {
  return new Table({
    head,
    colAligns: options.colAligns,
    style: {head: colorEnabled() ? ['cyan'] : [], border: colorEnabled() ? ['grey'] : [], compact: false},
  }) as Table.Table
}
