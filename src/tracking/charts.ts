import {createCanvas} from '@napi-rs/canvas'
import {Chart, type ChartConfiguration, type ChartItem, type Plugin, registerables} from 'chart.js'

Chart.register(...registerables)

/** Same shape as core/evaluate's Confusion: counts of true/false positives/negatives (positive = anomaly). */
export interface ConfusionCounts {
  tp: number
  fp: number
  fn: number
  tn: number
}

export interface ChartSize {
  width?: number
  height?: number
}

const fontFamily = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif"
const labels = ['Normal', 'Anomaly']

/** PNGs are viewed on light and dark UIs alike; a transparent background reads badly on dark ones. */
const whiteBackground: Plugin = {
  id: 'flareWhiteBackground',
  beforeDraw(chart) {
    const {ctx, width, height} = chart
    ctx.save()
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, width, height)
    ctx.restore()
  },
}

/** Renders a chart.js configuration on a server-side canvas and returns the PNG bytes. */
function renderPng(config: ChartConfiguration, width: number, height: number): Buffer {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  config.options = {...config.options, responsive: false, animation: false, devicePixelRatio: 1}
  config.plugins = [whiteBackground, ...(config.plugins ?? [])]
  // chart.js only needs the 2D context and its canvas; @napi-rs/canvas provides both.
  const chart = new Chart(ctx as unknown as ChartItem, config)
  try {
    return canvas.toBuffer('image/png')
  } finally {
    chart.destroy()
  }
}

/** Blue ramp from near-white (0) to deep blue (1). */
function shade(fraction: number): {fill: string; text: string} {
  const from = [239, 246, 255]
  const to = [30, 64, 175]
  const mix = from.map((c, i) => Math.round(c + (to[i]! - c) * fraction))
  return {fill: `rgb(${mix.join(',')})`, text: fraction > 0.5 ? '#ffffff' : '#1f2937'}
}

/**
 * A 2x2 confusion matrix as PNG: rows are the actual class, columns the predicted one, each cell
 * shaded by its count and labelled with the count and its share of the row.
 */
export function renderConfusionMatrix(counts: ConfusionCounts, options: ChartSize & {title?: string; subtitle?: string} = {}): Buffer {
  const width = options.width ?? 640
  const height = options.height ?? 560
  // [actual][predicted], actual Normal first.
  const grid = [
    [{n: counts.tn, name: 'TN'}, {n: counts.fp, name: 'FP'}],
    [{n: counts.fn, name: 'FN'}, {n: counts.tp, name: 'TP'}],
  ]
  const max = Math.max(1, counts.tn, counts.fp, counts.fn, counts.tp)
  const cells: Plugin<'scatter'> = {
    id: 'flareConfusionCells',
    beforeDatasetsDraw(chart) {
      const {ctx, chartArea} = chart
      const x = chart.scales.x!
      const y = chart.scales.y!
      const w = chartArea.width / 2
      const h = chartArea.height / 2
      ctx.save()
      for (let row = 0; row < 2; row++) {
        const rowTotal = grid[row]![0]!.n + grid[row]![1]!.n
        for (let col = 0; col < 2; col++) {
          const cell = grid[row]![col]!
          const cx = x.getPixelForTick(col)
          const cy = y.getPixelForTick(row)
          const {fill, text} = shade(cell.n / max)
          ctx.fillStyle = fill
          ctx.fillRect(cx - w / 2 + 2, cy - h / 2 + 2, w - 4, h - 4)
          ctx.fillStyle = text
          ctx.textAlign = 'center'
          ctx.textBaseline = 'middle'
          ctx.font = `bold ${Math.round(Math.min(w, h) / 5)}px ${fontFamily}`
          ctx.fillText(cell.n.toLocaleString('en-US'), cx, cy - h * 0.05)
          ctx.font = `${Math.round(Math.min(w, h) / 13)}px ${fontFamily}`
          const share = rowTotal === 0 ? '–' : `${((100 * cell.n) / rowTotal).toFixed(1)}% of actual ${labels[row]}`
          ctx.fillText(`${cell.name} · ${share}`, cx, cy + h * 0.2)
        }
      }
      ctx.restore()
    },
  }
  const axis = (title: string) => ({
    type: 'category' as const,
    labels,
    offset: true,
    grid: {display: false},
    border: {display: false},
    title: {display: true, text: title, font: {size: 16, weight: 'bold' as const, family: fontFamily}},
    ticks: {font: {size: 15, family: fontFamily}, color: '#111827'},
  })
  return renderPng(
    {
      type: 'scatter',
      data: {datasets: [{data: grid.flatMap((r, row) => r.map((_, col) => ({x: labels[col]!, y: labels[row]!}))) as never, pointRadius: 0}]},
      options: {
        layout: {padding: 16},
        plugins: {
          legend: {display: false},
          tooltip: {enabled: false},
          title: {display: true, text: options.title ?? 'Confusion matrix', font: {size: 20, family: fontFamily}, color: '#111827'},
          subtitle: {display: options.subtitle !== undefined, text: options.subtitle ?? '', font: {size: 14, family: fontFamily}},
        },
        scales: {x: axis('Predicted'), y: axis('Actual')},
      },
      plugins: [cells],
    } as ChartConfiguration,
    width,
    height,
  )
}

export interface ScoreHistogramInput {
  normal: ArrayLike<number>
  anomalous: ArrayLike<number>
  /** Drawn as a dashed vertical line. */
  threshold?: number
  bins?: number
  xLabel?: string
  /** 'auto' switches to a log scale when one class outnumbers the other 20 to 1. */
  yScale?: 'linear' | 'logarithmic' | 'auto'
}

/** Histogram of session scores, normal and anomalous sessions side by side, with the threshold. */
export function renderScoreHistogram(input: ScoreHistogramInput, options: ChartSize & {title?: string} = {}): Buffer {
  const width = options.width ?? 800
  const height = options.height ?? 480
  const bins = Math.max(1, Math.floor(input.bins ?? 30))
  const all = [...Array.from(input.normal), ...Array.from(input.anomalous)].filter(Number.isFinite)
  if (input.threshold !== undefined && Number.isFinite(input.threshold)) all.push(input.threshold)
  let lo = all.length > 0 ? Math.min(...all) : 0
  let hi = all.length > 0 ? Math.max(...all) : 1
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5]
  const step = (hi - lo) / bins
  const count = (values: ArrayLike<number>) => {
    const out = new Array<number>(bins).fill(0)
    for (const v of Array.from(values)) if (Number.isFinite(v)) out[Math.min(bins - 1, Math.floor((v - lo) / step))]!++
    return out
  }
  const normal = count(input.normal)
  const anomalous = count(input.anomalous)
  const digits = step >= 1 ? 1 : Math.min(6, Math.ceil(-Math.log10(step)) + 1)
  const binLabels = normal.map((_, i) => (lo + (i + 0.5) * step).toFixed(digits))
  const ratio = Math.max(input.normal.length, 1) / Math.max(input.anomalous.length, 1)
  const yScale = input.yScale === undefined || input.yScale === 'auto' ? (ratio > 20 || ratio < 1 / 20 ? 'logarithmic' : 'linear') : input.yScale

  // On a log axis an empty bin has no height to draw: null leaves it empty, where 0 drew a hairline
  // along the axis; the axis starts at 0.5 so a bin of one session still shows as a bar.
  const log = yScale === 'logarithmic'
  const bars = (counts: number[]) => (log ? counts.map((c) => (c === 0 ? null : c)) : counts)
  const thresholdLine: Plugin<'bar'> = {
    id: 'flareThreshold',
    afterDatasetsDraw(chart) {
      if (input.threshold === undefined || !Number.isFinite(input.threshold)) return
      const x = chart.scales.x!
      const {ctx, chartArea} = chart
      // Category index i is the centre of bin i, so a fractional index places the line exactly.
      const px = x.getPixelForValue((input.threshold - lo) / step - 0.5)
      ctx.save()
      ctx.strokeStyle = '#111827'
      ctx.setLineDash([6, 4])
      ctx.lineWidth = 2
      ctx.beginPath()
      ctx.moveTo(px, chartArea.top)
      ctx.lineTo(px, chartArea.bottom)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = '#111827'
      ctx.font = `13px ${fontFamily}`
      ctx.textAlign = 'left'
      ctx.fillText(`threshold ${input.threshold.toPrecision(3)}`, px + 4, chartArea.top + 14)
      ctx.restore()
    },
  }
  return renderPng(
    {
      type: 'bar',
      data: {
        labels: binLabels,
        datasets: [
          {label: `Normal sessions (${input.normal.length})`, data: bars(normal), backgroundColor: 'rgba(37, 99, 235, 0.6)'},
          {label: `Anomalous sessions (${input.anomalous.length})`, data: bars(anomalous), backgroundColor: 'rgba(220, 38, 38, 0.6)'},
        ],
      },
      options: {
        // Overlapping full-width bars read as a histogram; translucency shows where the classes mix.
        datasets: {bar: {grouped: false, barPercentage: 1, categoryPercentage: 1}},
        layout: {padding: 12},
        plugins: {
          title: {display: true, text: options.title ?? 'Session scores', font: {size: 18, family: fontFamily}},
          legend: {labels: {font: {family: fontFamily}}},
        },
        scales: {
          x: {title: {display: true, text: input.xLabel ?? 'Score'}, ticks: {maxTicksLimit: 12}},
          y: {type: yScale, ...(log ? {min: 0.5} : {beginAtZero: true}), title: {display: true, text: yScale === 'logarithmic' ? 'Sessions (log)' : 'Sessions'}},
        },
      },
      plugins: [thresholdLine],
    } as ChartConfiguration,
    width,
    height,
  )
}
