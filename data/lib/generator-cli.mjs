// The command line of the seeded generators with ground truth (generate-ops.mjs, generate-access.mjs):
// --seed --hours --incidents --start --out --truth; the log and its truth written, the incidents listed.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

function parseArgs(argv, usage) {
  const opts = {}
  for (let i = 0; i < argv.length; i += 2) {
    const [a, v] = [argv[i], argv[i + 1]]
    const num = () => {
      if (!Number.isFinite(Number(v))) throw new Error(`${a} ${v}: expected a number`)
      return Number(v)
    }
    if (a === '--seed') opts.seed = num()
    else if (a === '--hours') opts.hours = num()
    else if (a === '--incidents') opts.incidents = num()
    else if (a === '--start') opts.start = v
    else if (a === '--out') opts.out = v
    else if (a === '--truth') opts.truth = v
    else if (a === '--help' || a === '-h') {
      console.log(usage)
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
    if (v === undefined) throw new Error(`${a} needs a value`)
  }
  return opts
}

/**
 * When the module of `meta` (its import.meta) is the script node runs: reads the command line,
 * generates, writes the log (`defaultOut` without --out) and its truth beside it (or --truth), and
 * lists the incidents on stderr, a line each as `describe` writes it. Bad arguments: one line, exit 2.
 */
export function runGenerator(meta, {script, defaultOut, generate, describe}) {
  if (!process.argv[1] || fileURLToPath(meta.url) !== resolve(process.argv[1])) return
  try {
    const opts = parseArgs(process.argv.slice(2), `usage: node ${script} [--seed N] [--hours H] [--incidents N] [--start YYYY-MM-DD] [--out FILE] [--truth FILE]`)
    const out = opts.out ?? defaultOut
    const truthPath = opts.truth ?? out.replace(/\.log$/, '') + '.truth.json'
    const {text, truth} = generate(opts)
    mkdirSync(dirname(resolve(out)), {recursive: true})
    writeFileSync(out, text)
    writeFileSync(truthPath, JSON.stringify(truth, null, 2) + '\n')
    console.error(`${out}: ${truth.lines} lines, ${truth.start} .. ${truth.end}, ${truth.incidents.length} incidents (truth: ${truthPath})`)
    for (const inc of truth.incidents) console.error(`  ${describe(inc)}`)
  } catch (e) {
    console.error(e.message)
    process.exit(2)
  }
}
