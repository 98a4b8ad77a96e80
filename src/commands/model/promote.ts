import {Args, Flags} from '@oclif/core'
import {requireMlflowClient} from '../../tracking/env-client.js'
import {checkAliasName, checkVersionNumber, promoteVersion, type PromoteResult} from '../../tracking/model-versions.js'
import type {ModelStage} from '../../tracking/registry-api.js'
import {FlareCommand} from '../../ui/flare-command.js'
import {out} from '../../ui/style.js'

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
    name: Flags.string({description: 'registered model name', default: 'flare-detector'}),
    alias: Flags.string({description: 'alias to point at the version [default: champion]', exclusive: ['stage']}),
    stage: Flags.string({description: 'stage to move the version to (legacy registry stages)', options: ['Staging', 'Production', 'Archived', 'None'], exclusive: ['alias']}),
    'archive-existing': Flags.boolean({description: 'with --stage: archive the versions currently in that stage', dependsOn: ['stage']}),
  }

  async run(): Promise<PromoteResult> {
    const {args, flags} = await this.parse(ModelPromote)
    checkVersionNumber(args.version)
    if (flags.alias !== undefined) checkAliasName(flags.alias)
    const client = requireMlflowClient('flare model promote')
    try {
      const result = await promoteVersion(client, {name: flags.name, version: args.version, alias: flags.alias, stage: flags.stage as ModelStage | undefined, archiveExisting: flags['archive-existing']})
      if (!this.jsonEnabled()) this.render(result)
      return result
    } finally {
      await client.close()
    }
  }

  private render(result: PromoteResult): void {
    const {name, version, alias, previous} = result
    if (result.stage !== undefined) {
      this.log(`${out.green('✔')} ${out.bold(`${name} version ${version}`)} is now in stage ${out.bold(result.stage)}`)
      return
    }
    const was = previous === undefined ? out.dim(' (new alias)') : previous === version ? out.dim(' (unchanged)') : out.dim(` (was version ${previous})`)
    this.log(`${out.green('✔')} ${out.bold(`${name}@${alias}`)} → version ${out.bold(version)}${was} ${out.dim(`— use it: flare detect -i LOG --model models:/${name}@${alias}`)}`)
  }
}
