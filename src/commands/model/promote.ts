import {Args, Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../../core/errors.js'
import {isMlflowErrorCode} from '../../tracking/http.js'
import type {ModelStage} from '../../tracking/registry-api.js'
import {out} from '../../ui/style.js'
import {FlareCommand} from '../base.js'
import {requireMlflowClient} from '../../ui/mlflow.js'
import {getRegisteredModelOrExplain} from './list.js'

export interface PromoteResult {
  name: string
  version: string
  alias?: string
  /** The version the alias pointed at before, if any. */
  previous?: string
  stage?: string
}

export default class ModelPromote extends FlareCommand {
  static override description = 'Point an alias (default: champion) at a registered model version, or move it to a stage'
  static override examples = [
    '<%= config.bin %> model promote 3',
    '<%= config.bin %> model promote 3 --alias challenger',
    '<%= config.bin %> model promote 2 --stage Production --name flare-hdfs',
  ]
  static override enableJsonFlag = true
  static override args = {
    version: Args.string({description: 'model version number', required: true}),
  }
  static override flags = {
    name: Flags.string({char: 'n', description: 'registered model name', default: 'flare-detector'}),
    alias: Flags.string({description: 'alias to point at the version [default: champion]', exclusive: ['stage']}),
    stage: Flags.string({description: 'stage to move the version to (legacy registry stages)', options: ['Staging', 'Production', 'Archived', 'None'], exclusive: ['alias']}),
    'archive-existing': Flags.boolean({description: 'with --stage: archive the versions currently in that stage', dependsOn: ['stage']}),
  }

  async run(): Promise<PromoteResult> {
    const {args, flags} = await this.parse(ModelPromote)
    if (!/^\d+$/.test(args.version)) throw new FlareError(`VERSION must be a version number, got "${args.version}"`, {exitCode: ExitCode.usage, hint: 'See the versions with: flare model list'})
    const client = requireMlflowClient('flare model promote')
    try {
      await getRegisteredModelOrExplain(client, flags.name)
      try {
        await client.getModelVersion(flags.name, args.version)
      } catch (error) {
        if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) {
          throw new FlareError(`"${flags.name}" has no version ${args.version}`, {exitCode: ExitCode.badInput, hint: `See its versions with: flare model list --name ${flags.name}`})
        }
        throw error
      }
      if (flags.stage) {
        const moved = await client.transitionStage(flags.name, args.version, flags.stage as ModelStage, flags['archive-existing'])
        const result = {name: flags.name, version: args.version, stage: moved.current_stage ?? flags.stage}
        if (!this.jsonEnabled()) this.log(`${out.green('✔')} ${out.bold(`${flags.name} version ${args.version}`)} is now in stage ${out.bold(result.stage)}`)
        return result
      }
      const alias = flags.alias ?? 'champion'
      const previous = (await client.findModelVersionByAlias(flags.name, alias))?.version
      await client.setAlias(flags.name, alias, args.version)
      if (!this.jsonEnabled()) {
        const was = previous === undefined ? out.dim(' (new alias)') : previous === args.version ? out.dim(' (unchanged)') : out.dim(` (was version ${previous})`)
        this.log(`${out.green('✔')} ${out.bold(`${flags.name}@${alias}`)} → version ${out.bold(args.version)}${was} ${out.dim(`— use it: flare detect -i LOG --model models:/${flags.name}@${alias}`)}`)
      }
      return {name: flags.name, version: args.version, alias, previous}
    } finally {
      await client.close()
    }
  }
}
