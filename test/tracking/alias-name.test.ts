import {describe, expect, it} from 'vitest'
import {FlareError} from '../../src/core/errors.js'
import {checkAliasName} from '../../src/tracking/model-versions.js'
import {runCli} from '../helpers/cli.js'

describe('registry alias names (checked before any work, as MLflow checks them)', () => {
  it('takes letters, digits, _ and -; refuses the rest and the names MLflow keeps', () => {
    for (const ok of ['champion', 'challenger-2', 'prod_eu', 'V', 'version2']) expect(() => checkAliasName(ok)).not.toThrow()
    const refused = (alias: string) => {
      try {
        checkAliasName(alias)
      } catch (error) {
        expect(error).toBeInstanceOf(FlareError)
        expect((error as FlareError).exitCode).toBe(2)
        return (error as Error).message
      }
      return 'accepted'
    }
    expect(refused('bad alias!')).toBe('--alias "bad alias!" is not an alias MLflow takes: an alias takes only letters, digits, _ and -')
    expect(refused('')).toMatch(/it is empty/)
    expect(refused('x'.repeat(256))).toMatch(/longer than 255/)
    expect(refused('Latest')).toMatch(/keeps "latest" and v<number>/)
    expect(refused('v12')).toMatch(/keeps "latest" and v<number>/)
  })

  it('promote and sweep --promote refuse a bad alias with exit 2 before contacting a server', async () => {
    const env = {MLFLOW_TRACKING_URI: 'http://127.0.0.1:9'}
    const promote = await runCli(['model', 'promote', '1', '--alias', 'bad alias!'], {env})
    expect(promote.code).toBe(2)
    expect(promote.stderr).toMatch(/^Error: --alias "bad alias!" is not an alias MLflow takes/m)
    const sweep = await runCli(['model', 'sweep', '-i', 'data/hdfs_sample.log', '--labels', 'data/hdfs_sample_labels.csv', '--promote', '--alias', 'v3'], {env})
    expect(sweep.code).toBe(2)
    expect(sweep.stderr).not.toMatch(/127\.0\.0\.1:9|ECONNREFUSED/)
  })
})
