import {createCanvas, loadImage} from '@napi-rs/canvas'
import {describe, expect, it} from 'vitest'
import {renderConfusionMatrix, renderScoreHistogram} from '../../src/tracking/charts.js'
import {pngInfo} from './png.js'

async function pixels(png: Buffer) {
  const image = await loadImage(png)
  const canvas = createCanvas(image.width, image.height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0)
  return (x: number, y: number) => Array.from(ctx.getImageData(x, y, 1, 1).data)
}

describe('charts', () => {
  it('renders a confusion matrix PNG with cells shaded by count', async () => {
    const png = renderConfusionMatrix({tp: 10, fp: 0, fn: 0, tn: 1000}, {width: 600, height: 500})
    expect(pngInfo(png)).toMatchObject({width: 600, height: 500, bitDepth: 8})
    const at = await pixels(png)
    expect(at(2, 2)).toEqual([255, 255, 255, 255]) // opaque white background, not transparent
    // Find the TN cell (top-left, darkest) and the FP cell (top-right, lightest) along one row.
    const row = 200
    const samples = Array.from({length: 60}, (_, i) => at(i * 10, row))
    const darkest = samples.reduce((a, b) => (a[0]! + a[1]! < b[0]! + b[1]! ? a : b))
    expect(darkest[2]).toBeGreaterThan(darkest[0]! + 80) // a saturated blue: the 1000-count cell
    expect(samples.slice(35).some((p) => p[0]! > 200 && p[2]! > 240)).toBe(true) // the 0-count cell is pale
  })

  it('renders a score histogram PNG at the requested size', async () => {
    const normal = Array.from({length: 500}, (_, i) => (i % 50) / 100)
    const anomalous = Array.from({length: 20}, (_, i) => 0.8 + i / 200)
    const png = renderScoreHistogram({normal, anomalous, threshold: 0.7, bins: 20}, {width: 700, height: 400})
    expect(pngInfo(png)).toMatchObject({width: 700, height: 400})
    const at = await pixels(png)
    // Along a row just above the x axis: blue bars (normal, low scores) all left of red ones.
    const row = Array.from({length: 700}, (_, x) => at(x, 320))
    const blue = row.flatMap((p, x) => (p[2]! > p[0]! + 60 ? [x] : []))
    const red = row.flatMap((p, x) => (p[0]! > p[2]! + 60 ? [x] : []))
    expect(blue.length).toBeGreaterThan(100)
    expect(red.length).toBeGreaterThan(20)
    expect(Math.max(...blue)).toBeLessThan(Math.min(...red))
  })

  it('copes with empty and constant inputs', () => {
    expect(pngInfo(renderScoreHistogram({normal: [], anomalous: []})).width).toBe(800)
    expect(pngInfo(renderScoreHistogram({normal: [1, 1, 1], anomalous: [1]})).height).toBe(480)
    expect(pngInfo(renderConfusionMatrix({tp: 0, fp: 0, fn: 0, tn: 0})).width).toBe(640)
  })
})
