// Anomalous sessions over time on a canvas: one bar per incident at its start, height = sessions.
const COLORS = {critical: '#ff4d4f', high: '#f0883e', medium: '#d29922', low: '#3fb950'}

export function drawTimeline(canvas, analysis) {
  const ratio = window.devicePixelRatio || 1
  const width = canvas.clientWidth * ratio
  const height = canvas.clientHeight * ratio
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  ctx.clearRect(0, 0, width, height)
  ctx.fillStyle = '#8b949e'
  ctx.font = `${11 * ratio}px system-ui`
  const points = analysis.incidents.map((incident, index) => ({incident, t: Date.parse(incident.time_range.start ?? '') || index}))
  if (points.length === 0) {
    ctx.fillText('no anomalous sessions', 8 * ratio, height / 2)
    return
  }
  const min = Math.min(...points.map((p) => p.t))
  const max = Math.max(...points.map((p) => p.t))
  const span = Math.max(1, max - min)
  const top = Math.max(...points.map((p) => p.incident.size))
  const pad = 20 * ratio
  const barWidth = Math.max(3 * ratio, Math.min(24 * ratio, (width - 2 * pad) / (points.length * 2)))
  for (const {incident, t} of points) {
    const x = pad + ((t - min) / span) * (width - 2 * pad - barWidth)
    const h = Math.max(3 * ratio, (incident.size / top) * (height - 2 * pad))
    ctx.fillStyle = COLORS[incident.severity] ?? '#8b949e'
    ctx.fillRect(x, height - pad - h, barWidth, h)
  }
  ctx.fillStyle = '#8b949e'
  const label = (t) => (Number.isFinite(t) && t > 1e11 ? new Date(t).toISOString().slice(0, 19).replace('T', ' ') : '')
  ctx.fillText(label(min), pad, height - 4 * ratio)
  const right = label(max)
  ctx.fillText(right, width - pad - ctx.measureText(right).width, height - 4 * ratio)
  ctx.fillText(`anomalous sessions per incident (max ${top})`, pad, 14 * ratio)
}
