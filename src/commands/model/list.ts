import {Flags} from '@oclif/core'
import {requireMlflowClient} from '../../tracking/env-client.js'
import {listModelVersions, type ListedVersion} from '../../tracking/model-versions.js'
import {FlareCommand} from '../../ui/flare-command.js'
import {out} from '../../ui/style.js'
import {fitLine, table} from '../../ui/table.js'

export default class ModelList extends FlareCommand {
  static override description = 'List the versions of a registered model: aliases, stage, source run and its precision/recall/F1'
  static override examples = ['<%= config.bin %> model list', '<%= config.bin %> model list --name flare-hdfs --json']
  static override enableJsonFlag = true
  static override flags = {
    name: Flags.string({description: 'registered model name', default: 'flare-detector'}),
  }

  async run(): Promise<{name: string; versions: ListedVersion[]}> {
    const {flags} = await this.parse(ModelList)
    const client = requireMlflowClient('flare model list')
    try {
      const listed = await listModelVersions(client, flags.name)
      if (!this.jsonEnabled()) this.render(flags.name, listed, client.trackingUri)
      return {name: flags.name, versions: listed}
    } finally {
      await client.close()
    }
  }

  private render(name: string, versions: ListedVersion[], uri: string): void {
    this.log(fitLine([out.bold(name), out.dim(`${versions.length} version${versions.length === 1 ? '' : 's'}`), out.dim(uri)]))
    if (versions.length === 0) {
      this.log(out.dim('No versions yet: register one with flare model sweep --promote or flare detect --register ' + name))
      return
    }
    const t = table(['version', 'aliases', 'stage', 'detector', 'F1', 'precision', 'recall', 'created', 'source run'], {colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'], wrap: [1, 8, 3], drop: [8, 2, 7]})
    const num = (x?: number): string => (x === undefined ? out.dim('—') : x.toFixed(3))
    for (const v of versions) {
      const aliases = v.aliases.map((a) => `@${a}`).join(' ')
      t.push([v.aliases.length ? out.bold(v.version) : v.version, aliases ? out.green(aliases) : '', v.stage, v.detector ?? out.dim('—'), num(v.metrics.f1), num(v.metrics.precision), num(v.metrics.recall), v.created ?? '', v.run_id ?? out.dim('—')])
    }
    this.log(t.toString())
  }
}
