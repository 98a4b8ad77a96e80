import {Flags} from '@oclif/core'
import {ExitCode, FlareError} from '../../core/errors.js'
import {isMlflowErrorCode} from '../../tracking/http.js'
import type {MlflowClient} from '../../tracking/mlflow-client.js'
import type {ModelVersion, RegisteredModel, Run} from '../../tracking/types.js'
import {out} from '../../ui/style.js'
import {table} from '../../ui/table.js'
import {FlareCommand} from '../base.js'
import {requireMlflowClient} from '../../ui/mlflow.js'

export interface ListedVersion {
  version: string
  aliases: string[]
  stage: string
  status?: string
  created?: string
  run_id?: string
  source?: string
  detector?: string
  metrics: {f1?: number; precision?: number; recall?: number}
}

export default class ModelList extends FlareCommand {
  static override description = 'List the versions of a registered model: aliases, stage, source run and its precision/recall/F1'
  static override examples = ['<%= config.bin %> model list', '<%= config.bin %> model list --name flare-hdfs --json']
  static override enableJsonFlag = true
  static override flags = {
    name: Flags.string({char: 'n', description: 'registered model name', default: 'flare-detector'}),
  }

  async run(): Promise<{name: string; versions: ListedVersion[]}> {
    const {flags} = await this.parse(ModelList)
    const client = requireMlflowClient('flare model list')
    try {
      const model = await getRegisteredModelOrExplain(client, flags.name)
      const versions = await client.searchAllModelVersions({filter: `name = ${quote(flags.name)}`})
      versions.sort((a, b) => Number(b.version) - Number(a.version))
      const listed = await Promise.all(versions.map((v) => describeVersion(client, model, v)))
      if (!this.jsonEnabled()) this.render(flags.name, listed, client.trackingUri)
      return {name: flags.name, versions: listed}
    } finally {
      await client.close()
    }
  }

  private render(name: string, versions: ListedVersion[], uri: string): void {
    this.log(`${out.bold(name)} ${out.dim(`· ${versions.length} version${versions.length === 1 ? '' : 's'} · ${uri}`)}`)
    if (versions.length === 0) {
      this.log(out.dim('No versions yet: register one with flare model sweep --promote or flare detect --register ' + name))
      return
    }
    const t = table(['version', 'aliases', 'stage', 'detector', 'F1', 'precision', 'recall', 'created', 'source run'], {colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left', 'left']})
    const num = (x?: number): string => (x === undefined ? out.dim('—') : x.toFixed(3))
    for (const v of versions) {
      const aliases = v.aliases.map((a) => `@${a}`).join(' ')
      t.push([v.aliases.length ? out.bold(v.version) : v.version, aliases ? out.green(aliases) : '', v.stage, v.detector ?? out.dim('—'), num(v.metrics.f1), num(v.metrics.precision), num(v.metrics.recall), v.created ?? '', v.run_id ?? out.dim('—')])
    }
    this.log(t.toString())
  }
}

/** MLflow's filter strings quote with single quotes; a quote inside is escaped. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", "\\'")}'`
}

export async function getRegisteredModelOrExplain(client: MlflowClient, name: string): Promise<RegisteredModel> {
  try {
    return await client.getRegisteredModel(name)
  } catch (error) {
    if (isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) {
      throw new FlareError(`no registered model named "${name}" on ${client.trackingUri}`, {
        exitCode: ExitCode.badInput,
        hint: `Register one with: flare model sweep -i LOG --labels CSV --promote --name ${name}  (or flare detect -i LOG --register ${name})`,
      })
    }
    throw error
  }
}

async function describeVersion(client: MlflowClient, model: RegisteredModel, v: ModelVersion): Promise<ListedVersion> {
  let run: Run | undefined
  if (v.run_id) {
    try {
      run = await client.getRun(v.run_id)
    } catch (error) {
      // A deleted run leaves the version without metrics, not the listing without the version.
      if (!isMlflowErrorCode(error, 'RESOURCE_DOES_NOT_EXIST')) throw error
    }
  }
  const metric = (key: string): number | undefined => run?.data.metrics.find((m) => m.key === key)?.value
  const aliases = model.aliases.filter((a) => a.version === v.version).map((a) => a.alias)
  return {
    version: v.version,
    aliases: aliases.length ? aliases : v.aliases,
    stage: v.current_stage ?? 'None',
    status: v.status,
    created: v.creation_timestamp ? new Date(v.creation_timestamp).toISOString().slice(0, 19).replace('T', ' ') : undefined,
    run_id: v.run_id,
    source: v.source,
    detector: run?.data.params.find((p) => p.key === 'detector')?.value,
    metrics: {f1: metric('f1'), precision: metric('precision'), recall: metric('recall')},
  }
}
