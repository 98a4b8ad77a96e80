import {describe, expect, it} from 'vitest'
import type {FlareError} from '../../src/core/errors.js'
import {artifactProxyPath, artifactProxyUrlPath, contentTypeFor, joinArtifactPath} from '../../src/tracking/artifacts.js'
import {summarizeBody} from '../../src/tracking/http.js'

describe('artifact URIs', () => {
  it('maps a run artifact URI onto the mlflow-artifacts proxy', () => {
    expect(artifactProxyPath('mlflow-artifacts:/3/abc/artifacts', 'model/MLmodel')).toBe('3/abc/artifacts/model/MLmodel')
    expect(artifactProxyPath('mlflow-artifacts://mlflow.internal:5000/3/abc/artifacts/', '/charts/')).toBe('3/abc/artifacts/charts')
    expect(artifactProxyPath('mlflow-artifacts:///3/abc/artifacts')).toBe('3/abc/artifacts')
    expect(artifactProxyUrlPath('3/abc/artifacts/confusion matrix#1.png')).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/confusion%20matrix%231.png',
    )
  })

  it('refuses artifact locations the REST proxy cannot reach, and .. segments', () => {
    expect(() => artifactProxyPath('/tmp/mlruns/1/abc/artifacts', 'x')).toThrow(/cannot reach over REST/)
    let hint: string | undefined
    try {
      artifactProxyPath('s3://bucket/1/abc/artifacts', 'x')
    } catch (error) {
      hint = (error as FlareError).hint
    }
    expect(hint).toMatch(/--artifacts-destination/)
    expect(() => joinArtifactPath('model', '../../etc/passwd')).toThrow(/may not contain/)
    expect(joinArtifactPath('model/', './bundle', 'a.json')).toBe('model/bundle/a.json')
  })

  it('guesses content types', () => {
    expect(contentTypeFor('charts/cm.PNG')).toBe('image/png')
    expect(contentTypeFor('model/MLmodel')).toBe('application/x-yaml')
    expect(contentTypeFor('bundle/detector.bin')).toBe('application/octet-stream')
  })

  it('summarizes error bodies to one readable line', () => {
    expect(summarizeBody('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>')).toBe('502 Bad Gateway')
    expect(summarizeBody('<p>Internal   <b>error</b>\n</p>')).toBe('Internal error')
    expect(summarizeBody('x'.repeat(500))).toHaveLength(200)
  })
})
