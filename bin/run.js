#!/usr/bin/env node
// `flare parse -o - | head`: the reader going away is a normal end, not an error. Any other
// failure to write stdout (a full disk: `> /dev/full`) is one line and exit code 3, no stack.
function stdoutFailed(error) {
  if (error?.code === 'EPIPE') process.exit(0)
  const why = error?.code === 'ENOSPC' ? 'no space left on the device' : (error?.message ?? String(error))
  try {
    process.stderr.write(`Error: cannot write standard output: ${why}\n→ free some space, or redirect the output elsewhere\n`)
  } catch {}
  process.exit(3)
}
process.stdout.on('error', stdoutFailed)
// A file or device as stdout is written synchronously: its errors are thrown, not emitted.
process.on('uncaughtException', (error) => {
  if (error?.syscall === 'write' && (error.code === 'ENOSPC' || error.code === 'EPIPE' || error.code === 'EIO')) stdoutFailed(error)
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exit(1)
})

// A big `flare parse` or `flare detect` of what looks like an HDFS log (the only kind their workers
// take; the file's first lines are sniffed) starts its worker threads first, so that they load their
// code while oclif loads (oclif is imported after this on purpose); their warm-up starts once oclif
// is imported.
let prestart
if (process.argv[2] === 'parse' || process.argv[2] === 'detect') {
  try {
    const {readFileSync} = await import('node:fs')
    // The command's own flags, as the build wrote them down for oclif.
    const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', import.meta.url), 'utf8'))
    prestart = await import('../dist/core/mining/prestart.js')
    // (`flare detect` asks its workers for line events, not rows: they warm that path up.)
    prestart.prestartParse(process.argv.slice(3), manifest.commands[process.argv[2]].flags, process.argv[2] === 'detect')
  } catch {
    // Not built (no manifest), or threads cannot start: the run starts its workers itself, as usual.
  }
}

// oclif checks the node version against its own engines (>=18) on import, loading all of semver
// for it (~50 modules, tens of ms of every start); package.json's engines (>=20.18.1) are stricter.
const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
const {execute} = await import('@oclif/core')
if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning
// The workers warm up from here on (on two cores their warm-up would slow the import above down).
prestart?.warmStandby()
await execute({dir: import.meta.url})
