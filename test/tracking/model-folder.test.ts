import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {columnSpecJson, mlmodelYaml, toYaml, writeModelFolder} from '../../src/tracking/model-folder.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-mf-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe('MLflow model folder', () => {
  it('writes MLmodel the way MLflow does: sorted keys, signature as JSON strings', () => {
    const yaml = mlmodelYaml({
      detector: 'iforest',
      flareVersion: '0.1.0',
      featureColumns: ['E1', 'E2'],
      runId: 'abc123',
      mlflowVersion: '3.17.2',
      modelUuid: 'f00d',
      createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      flavorExtras: {threshold: 0.42, session_key: 'block'},
    })
    expect(yaml).toBe(
      [
        'artifact_path: model',
        'flavors:',
        '  flare:',
        '    bundle: bundle',
        '    detector: iforest',
        '    session_key: block',
        '    threshold: 0.42',
        "    version: '0.1.0'",
        "mlflow_version: '3.17.2'",
        'model_uuid: f00d',
        'run_id: abc123',
        'signature:',
        `  inputs: '[{"type": "double", "name": "E1", "required": true}, {"type": "double", "name": "E2", "required": true}]'`,
        `  outputs: '[{"type": "double", "name": "score", "required": true}, {"type": "boolean", "name": "anomaly", "required": true}]'`,
        '  params: null',
        "utc_time_created: '2024-01-02 03:04:05.678000'",
        '',
      ].join('\n'),
    )
  })

  it('quotes what YAML would otherwise read as another type', () => {
    expect(toYaml({a: 'true', b: '123', c: "it's", d: 'plain_value', e: '2024-01-01', f: ''})).toBe(
      "a: 'true'\nb: '123'\nc: 'it''s'\nd: plain_value\ne: '2024-01-01'\nf: ''\n",
    )
    expect(columnSpecJson([{name: 'say "hi"', type: 'string'}])).toBe('[{"type": "string", "name": "say \\"hi\\"", "required": true}]')
  })

  it('copies the bundle under bundle/ and lists every file', async () => {
    const bundleDir = tempDir()
    writeFileSync(path.join(bundleDir, 'bundle.json'), '{"kind":"flare-model"}')
    mkdirSync(path.join(bundleDir, 'extra'))
    writeFileSync(path.join(bundleDir, 'extra', 'vocab.json'), '[]')
    const out = path.join(tempDir(), 'model')
    const result = await writeModelFolder(out, {bundleDir, detector: 'pca', flareVersion: '0.1.0', featureColumns: ['E1']})
    expect(result.files).toEqual(['MLmodel', 'bundle/bundle.json', 'bundle/extra/vocab.json'])
    expect(result.modelUuid).toMatch(/^[0-9a-f]{32}$/)
    expect(readFileSync(path.join(out, 'bundle', 'extra', 'vocab.json'), 'utf8')).toBe('[]')
    const mlmodel = readFileSync(path.join(out, 'MLmodel'), 'utf8')
    expect(mlmodel).toMatch(new RegExp(`^model_uuid: '?${result.modelUuid}'?$`, 'm'))
    expect(mlmodel).toContain('model_size_bytes: 24')
    expect(mlmodel).toContain('    detector: pca\n')
  })

  it('refuses an empty or missing bundle', async () => {
    await expect(writeModelFolder(tempDir(), {bundleDir: tempDir(), detector: 'x', flareVersion: '1', featureColumns: []})).rejects.toThrow(/is empty/)
    await expect(
      writeModelFolder(tempDir(), {bundleDir: '/nonexistent/flare', detector: 'x', flareVersion: '1', featureColumns: []}),
    ).rejects.toThrow(/Cannot read the model bundle/)
  })
})
