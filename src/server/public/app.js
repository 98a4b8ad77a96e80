// Flare dashboard. Every piece of log text is set with textContent / text nodes, never as HTML.
import {drawTimeline} from './timeline.js'

const $ = (id) => document.getElementById(id)
const SEVERITIES = ['critical', 'high', 'medium', 'low']

/** Builds an element; string children become text nodes, so nothing is ever parsed as markup. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value
    else if (key === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler)
    else node.setAttribute(key, String(value))
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  return node
}

// The API token (flare serve --token) lives in this tab's sessionStorage, never in the URL: an old
// `#token=` link is read once and taken out of the address bar.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token')
if (fromLink) {
  sessionStorage.setItem('flare-token', fromLink)
  history.replaceState(null, '', location.pathname + location.search)
}
let token = sessionStorage.getItem('flare-token') || ''
const authHeaders = () => (token ? {authorization: `Bearer ${token}`} : {})

/** Shows the token form and resolves with what the user enters (one pending question at a time). */
let asking = null
function askToken(reason) {
  $('token-reason').textContent = reason
  $('token-form').hidden = false
  $('token').focus()
  asking ??= new Promise((resolve) => {
    $('token-form').onsubmit = (event) => {
      event.preventDefault()
      const given = $('token').value.trim()
      if (!given) return
      $('token').value = ''
      $('token-form').hidden = true
      asking = null
      resolve(given)
    }
  })
  return asking
}

/** A request that got no answer at all (server stopped, network gone): says so, and marks the server down. */
async function send(path, init) {
  try {
    return await fetch(path, init)
  } catch (error) {
    if (error.name === 'AbortError' || error.name === 'TimeoutError') throw error
    serverDown()
    throw new Error(`the Flare server is unreachable (${error.message}) — is flare serve still running?`)
  }
}

async function api(path, init = {}) {
  for (;;) {
    const response = await send(path, {...init, headers: {...authHeaders(), ...(init.headers || {})}})
    if (!serverUp) checkHealth() // it answered again: the header says so now, not at the next poll
    const body = await response.json().catch(() => ({error: `HTTP ${response.status}`}))
    if (response.status === 401) {
      token = await askToken(body.error || 'this server requires an API token')
      sessionStorage.setItem('flare-token', token)
      continue // a FormData or string body can be sent again
    }
    if (!response.ok) throw new Error(body.hint ? `${body.error} — ${body.hint}` : body.error)
    return body
  }
}

let current = null

function setMessage(text, isError = false) {
  $('message').textContent = text
  $('message').className = isError ? 'error' : 'dim'
}

async function analyze() {
  const text = $('log').value
  if (!text.trim()) return setMessage('Paste some log lines first.', true)
  setMessage('Analyzing…')
  try {
    show(await api('/analyze', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({log_text: text, run_eval: $('eval').checked})}))
  } catch (error) {
    setMessage(error.message, true)
  }
}

async function upload(file) {
  setMessage(`Uploading ${file.name}…`)
  const form = new FormData()
  form.append('file', file)
  try {
    // summarize=true: the server explains the incidents and stores the summaries with the run,
    // so reopening it from History shows the same severities and explanations.
    show(await api(`/detect/upload?summarize=true&run_eval=${$('eval').checked}`, {method: 'POST', body: form}))
  } catch (error) {
    setMessage(error.message, true)
  }
}

/** Enter and Space open a focusable list item or table row, as a click does. */
function activate(handler) {
  return {click: handler, keydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); handler() } }}
}

// What the incident is about, in one line: its hosts (windowed logs) and its most anomalous
// template as seen (the values most of its lines held written in), as `flare detect`'s table shows.
function whatAndWhere(incident) {
  const lead = incident.templates.reduce((best, t) => (best === null || (t.score ?? 0) > (best.score ?? 0) ? t : best), null)
  const streams = (incident.streams || []).filter((s) => s && s !== '-')
  const where = streams.length > 2 ? `${streams.slice(0, 2).join(', ')} +${streams.length - 2}` : streams.join(', ')
  const what = lead ? lead.as_seen || lead.template : ''
  if (!where && !what) return null
  return el('div', {class: 'mono what'}, where ? el('span', {class: 'where'}, where) : null, where && what ? ' ' : null, what)
}

/** Log lines the incident spans (its sessions' lines by level), not the few sample lines shown. */
function lineCount(incident) {
  const byLevel = Object.values(incident.levels || {}).reduce((a, b) => a + b, 0)
  return byLevel || incident.templates.reduce((a, t) => a + t.count, 0)
}

/** An explainer's error as one line: a provider's message can carry line breaks (a JSON body, a stack). */
function oneLine(text, max = 400) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** The summaries record of an incident whose explanation was attempted and failed (status error). */
const failedRecord = (analysis, id) => analysis.summaries?.incidents.find((r) => r.incident_id === id && r.status === 'error')

function show(analysis) {
  current = analysis
  const list = $('incidents')
  list.replaceChildren()
  $('incident-count').textContent = `(${analysis.incidents.length})`
  analysis.incidents.forEach((incident, index) => {
    // The badge is the incident's severity (the documented rule, as in the API and `flare detect`);
    // an explainer that rates it otherwise is shown as its suggestion in the detail only.
    const severity = incident.severity
    const lines = lineCount(incident)
    const item = el('li', {class: `sev-${severity}`, 'data-incident': incident.id, tabindex: 0, role: 'button', on: activate(() => select(incident.id))},
      el('span', {class: `badge ${severity}`}, severity), ' ', el('strong', {}, incident.id),
      el('div', {class: 'dim count'}, `${incident.size} session${incident.size === 1 ? '' : 's'} · ${lines} log line${lines === 1 ? '' : 's'}`),
      whatAndWhere(incident),
      failedRecord(analysis, incident.id) ? el('div', {class: 'error failed-mark'}, '⚠ explanation failed') : null)
    list.append(item)
    if (index === 0) queueMicrotask(() => select(incident.id))
  })
  if (analysis.incidents.length === 0) {
    list.append(el('li', {class: 'dim'}, analysis.client_bursts?.length ? 'No incidents raised: only client bursts, below.' : 'No anomalies: nothing stands out.'))
    $('detail').replaceChildren(el('p', {class: 'dim'}, 'No incidents.'))
  }
  showClientBursts(analysis.client_bursts || [])
  drawTimeline($('timeline'), analysis)
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0]))
  for (const incident of analysis.incidents) counts[incident.severity]++
  const cost = analysis.summaries?.totals?.cost_usd
  $('footer').textContent = `Incidents: ${analysis.incidents.length} · ${SEVERITIES.map((s) => `${s[0].toUpperCase()}${s.slice(1)}: ${counts[s]}`).join(' · ')} · ${analysis.summary.lines} lines · ${analysis.summary.elapsed_ms} ms · LLM ${cost === null || cost === undefined ? 'cost n/a' : `$${cost.toFixed(4)}`}${analysis.summaries?.offline ? ' (offline)' : ''}`
  const said = analysis.warnings?.length ? analysis.warnings.join('; ') : `Run ${analysis.run_id ?? '—'}: ${analysis.summary.sessions} sessions, ${analysis.summary.anomalies} anomalous.`
  const failed = analysis.incidents.filter((i) => failedRecord(analysis, i.id)).length
  if (failed) setMessage(`${said} ${failed} of ${analysis.incidents.length} explanations failed: select an incident for why.`, true)
  else setMessage(said)
}

// Incidents the run set aside as one client network's burst (a scan, a crawl), folded under the list.
function showClientBursts(bursts) {
  const box = $('client-bursts')
  box.hidden = bursts.length === 0
  box.replaceChildren(
    el('summary', {class: 'dim'}, `${bursts.length} client burst${bursts.length === 1 ? '' : 's'} set aside (a scan or a crawl: one client network, answered as it should be)`),
    el('ul', {class: 'list'}, bursts.map((b) => {
      const statuses = b.client.statuses.slice(0, 3).map((s) => `${s.status} ×${s.count}`).join(', ')
      const requests = `${b.client.lines === b.client.requests ? '' : `${b.client.lines} of `}${b.client.requests} request${b.client.requests === 1 ? '' : 's'}`
      return el('li', {'data-burst': b.id}, el('strong', {}, b.id), ' ', el('span', {class: 'mono network'}, b.client.network),
        el('div', {class: 'dim count'}, `${(b.time_range.start || '').slice(0, 16).replace('T', ' ')} · ${requests} (${statuses})`), whatAndWhere(b))
    })))
}

function select(id) {
  if (!current) return
  const incident = current.incidents.find((i) => i.id === id)
  const record = current.summaries?.incidents.find((r) => r.incident_id === id)
  for (const li of $('incidents').children) {
    li.classList.toggle('selected', li.dataset.incident === id)
    if (li.dataset.incident) li.setAttribute('aria-pressed', String(li.dataset.incident === id))
  }
  const s = record?.summary
  const detail = $('detail')
  const raw = el('details', {}, el('summary', {}, `Show ${incident.sample_lines.length} sample log lines (of ${lineCount(incident)})`),
    el('ul', {class: 'raw mono'}, incident.sample_lines.map((l) => el('li', {}, el('span', {class: 'lineno'}, String(l.line)), l.text))))
  const similar = current.similar?.[id] || []
  detail.replaceChildren(
    el('h2', {}, `Incident ${id}`),
    el('div', {class: 'cards'},
      el('div', {class: 'card'}, 'Severity', el('b', {class: `badge ${incident.severity}`}, incident.severity),
        s?.severity && s.severity !== incident.severity ? el('span', {class: 'dim suggested-severity'}, `explainer suggests: ${s.severity}`) : null),
      el('div', {class: 'card'}, 'Anomaly score', el('b', {}, incident.score.toFixed(4))),
      el('div', {class: 'card'}, 'Confidence', el('b', {}, s ? `${Math.round(s.confidence * 100)}%` : '—'))),
    ...(s ? [
      el('h2', {}, 'Explanation'), el('p', {class: 'explanation'}, s.explanation),
      el('h2', {}, 'Root cause'), el('p', {class: 'root-cause'}, s.root_cause),
      el('h2', {}, 'Remediation'), el('ul', {class: 'remediation'}, s.remediation.map((r) => el('li', {}, el('span', {class: 'prio'}, `[${r.priority.replace('_', '-')}]`), r.action))),
      el('h2', {}, 'Evidence'), el('ul', {class: 'evidence mono'}, s.evidence.map((e) => el('li', {}, el('span', {class: 'lineno'}, e.kind === 'line' ? `line ${e.ref}` : e.ref), e.text))),
    ] : record?.status === 'error'
      ? [el('p', {class: 'error explain-failed'}, `Explanation failed: ${oneLine(record.error) || 'the explainer gave no reason'}`)]
      : [el('p', {class: 'dim unexplained'}, oneLine(record?.error) || 'Not explained.')]),
    el('h2', {}, 'Similar past incidents'),
    similar.length ? el('ul', {class: 'similar'}, similar.map((m) => el('li', {}, `seen before: ${m.incident_id} on ${m.created_at.slice(0, 10)} (run ${m.run_id}, ${Math.round(m.overlap * 100)}% overlap)${m.suggested_last_time ? ` — suggested last time: ${m.suggested_last_time}` : ''}`))) : el('p', {class: 'dim'}, 'None recorded.'),
    raw,
  )
}

async function loadHistory() {
  try {
    const {runs} = await api('/runs?limit=100')
    if (runs.length === 0) return $('runs').replaceChildren(el('tr', {class: 'empty'}, el('td', {colspan: 7, class: 'dim'}, 'No runs yet — analyse a log above')))
    $('runs').replaceChildren(...runs.map((run) => el('tr', {tabindex: 0, 'data-run': run.id, on: activate(() => openRun(run.id))},
      el('td', {}, String(run.id)), el('td', {}, run.created_at.replace('T', ' ').slice(0, 19)), el('td', {}, run.input), el('td', {}, run.format),
      el('td', {}, String(run.lines)), el('td', {}, String(run.incidents)), el('td', {}, run.llm_cost_usd === null ? '—' : `$${run.llm_cost_usd.toFixed(4)}`))))
  } catch (error) {
    $('runs').replaceChildren(el('tr', {}, el('td', {colspan: 7, class: 'dim'}, error.message)))
  }
}

async function openRun(id) {
  try {
    const run = await api(`/runs/${id}`)
    switchTab('analyze')
    show({...run.results, run_id: run.id, similar: {}, summaries: run.summaries, warnings: []})
  } catch (error) {
    switchTab('analyze')
    setMessage(error.message, true)
  }
}

let live = null
async function startLive() {
  stopLive()
  // EventSource cannot show a 401: ask the API first, so a missing token brings up the form.
  try {
    await api('/demo/streams')
  } catch (error) {
    $('live-status').textContent = error.message
    return
  }
  const list = $('live')
  list.replaceChildren()
  live = new EventSource(`/demo/stream${token ? `?access_token=${encodeURIComponent(token)}` : ''}`)
  $('live-status').textContent = 'connecting…'
  live.addEventListener('progress', (e) => { const d = JSON.parse(e.data); $('live-status').textContent = `replayed ${d.lines} of ${d.total} lines` })
  live.addEventListener('incident', (e) => {
    const {incident} = JSON.parse(e.data)
    const lead = incident.templates[0]?.template || ''
    list.prepend(el('li', {class: `sev-${incident.severity}`}, el('span', {class: `badge ${incident.severity}`}, incident.severity), ' ', el('strong', {}, incident.id), ' ',
      el('span', {class: 'dim'}, incident.time_range.start || ''), el('div', {class: 'mono'}, lead)))
  })
  live.addEventListener('done', (e) => { const d = JSON.parse(e.data); $('live-status').textContent = `done: ${d.incidents} incidents in ${d.lines} lines`; stopLive() })
  live.addEventListener('error', () => { if (live) $('live-status').textContent = 'stream interrupted' })
}
function stopLive() { if (live) { live.close(); live = null } }

function switchTab(name) {
  for (const button of document.querySelectorAll('.tab')) button.classList.toggle('active', button.dataset.tab === name)
  for (const panel of document.querySelectorAll('.panel')) panel.hidden = panel.id !== `tab-${name}`
  if (name === 'history') loadHistory()
  if (name !== 'live') stopLive()
}

for (const button of document.querySelectorAll('.tab')) button.addEventListener('click', () => switchTab(button.dataset.tab))
$('analyze').addEventListener('click', analyze)
$('upload').addEventListener('change', (e) => { const file = e.target.files[0]; if (file) upload(file); e.target.value = '' })
// Space opens a focused file input's chooser; Enter does too here, as on every other button.
$('upload').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); e.target.click() } })
$('live-start').addEventListener('click', startLive)
$('live-stop').addEventListener('click', () => { stopLive(); $('live-status').textContent = 'stopped' })
window.addEventListener('pagehide', stopLive)
// The header's server status: /health asked at load and then every few seconds (more often while the
// server is down, so it shows as back soon after it is), and marked down at once when any request
// gets no answer. It never keeps saying "ok" for a server that stopped answering.
const POLL_UP_MS = 5000
const POLL_DOWN_MS = 2000
let serverUp = true
let pollTimer = null

function setStatus(text, state) {
  $('status').textContent = text
  $('status').className = state === 'ok' ? 'dim' : 'error'
}

function serverDown() {
  serverUp = false
  setStatus('● server unreachable — retrying', 'down')
}

let checking = null
function checkHealth() {
  checking ??= probeHealth().finally(() => { checking = null })
  return checking
}

async function probeHealth() {
  clearTimeout(pollTimer)
  try {
    // /health never asks for the token; sent when known, it also answers the provider and model.
    const response = await send('/health', {headers: authHeaders(), cache: 'no-store', signal: AbortSignal.timeout(POLL_DOWN_MS * 2)})
    const h = await response.json().catch(() => ({}))
    if (!response.ok || h.status !== 'ok') {
      serverUp = false
      setStatus(`● server error: ${h.error || `HTTP ${response.status}`}`, 'error')
    } else {
      serverUp = true
      $('version').textContent = `v${h.version}`
      // Without the token (serve --token) /health says only status and version.
      setStatus(h.llm ? `● ok · ${h.llm.provider}${h.model.loaded ? ' · model loaded' : ''}` : '● ok', 'ok')
    }
  } catch {
    serverDown() // no answer in time, or none at all
  }
  pollTimer = setTimeout(checkHealth, serverUp ? POLL_UP_MS : POLL_DOWN_MS)
}
document.addEventListener('visibilitychange', () => { if (!document.hidden) checkHealth() })
checkHealth()
