import {Flags} from '@oclif/core'
import {loadUserConfig} from '../core/mining/parser-config-file.js'
import type {LoadedUserConfig} from '../core/templates/user-config.js'

/**
 * `--config`: the parser settings file (masking rules, extra delimiters, Drain parameters), shared
 * by every command that mines templates. Without it, ./flare.config.json is read when present.
 */
export const parserConfigFlags = {
  config: Flags.string({description: 'parser settings JSON (masking rules, extra delimiters, Drain parameters) [default: ./flare.config.json when present]', helpValue: 'FILE'}),
}

/** The parser settings for a command's flags; exits 2 naming the key when the file is invalid. */
export async function parserConfigFromFlags(flags: {config?: string}): Promise<LoadedUserConfig> {
  return loadUserConfig(flags.config)
}

/** `flare parse`'s flags for explaining, scoring and tuning the parser. */
export const parserTuningFlags = {
  explain: Flags.string({description: 'show how this line is tokenised, masked and matched (repeatable; with -i, against the templates of that log)', multiple: true, helpValue: 'LINE'}),
  truth: Flags.string({description: 'loghub-style ground truth (*_structured.csv with LineId, EventId, EventTemplate): print GA, PA, FGA and FTA instead of writing a CSV', helpValue: 'CSV'}),
  sweep: Flags.string({description: "try Drain settings and rank them, e.g. 'sim=0.4,0.5,0.6;depth=3,4,5' (keys: sim, depth, children, clusters); by --truth when given, else by unsupervised signals", helpValue: 'SPEC'}),
  'write-config': Flags.boolean({description: "with --sweep: write the best setting's Drain parameters into the config file (--config, else ./flare.config.json)"}),
  track: Flags.boolean({description: 'with --sweep: log each setting as a nested MLflow run when MLFLOW_TRACKING_URI is set', default: true, allowNo: true}),
  experiment: Flags.string({description: 'MLflow experiment for --sweep [default: flare-parse-sweep]'}),
}
