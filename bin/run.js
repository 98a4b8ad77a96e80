#!/usr/bin/env node
import {execute} from '@oclif/core'

// `flare parse -o - | head`: the reader going away is a normal end, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

await execute({dir: import.meta.url})
