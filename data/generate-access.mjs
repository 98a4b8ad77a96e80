#!/usr/bin/env node
// A seeded day of web access logs (Apache vhost_combined / nginx with the virtual host first) for
// the incident bench: four virtual hosts behind one load balancer, each with its own endpoints and
// traffic level, ten real incidents among ordinary traffic and alarming-looking normal noise.
// Written apart from data/generate-multihost.mjs and data/generate-ops.mjs (no syslog: every line
// is a request), so detection tuned on those is checked on a web server's own log.
// Same seed and options, same bytes. Plain Node, no dependencies.
//
//   node data/generate-access.mjs [--seed 1] [--hours 24] [--incidents N] [--start YYYY-MM-DD]
//        [--out FILE] [--truth FILE]
//
// Output: `shop.example.com:443 203.0.113.9 - - [04/Dec/2026:16:10:37 +0000] "GET /x HTTP/1.1" 200
// 512 "referer" "user agent"` lines, sorted by time (UTC), and a truth JSON (default: the output
// name with .truth.json) in bench/incidents.mjs's format: per incident id, kind, variant, title,
// hosts (vhosts as written), component, start, end (ISO, UTC, first..last line of the incident;
// for quiet, the silence), marker (a string in its lines; null for quiet), silent, lines.
// Kinds: upstream-down (502s), overload (503/504 for part of a vhost's traffic), deploy-bug (500 on
// one endpoint), auth-outage (401/403 on a login endpoint), rate-limit (429s to one client), quiet
// (a vhost serves nothing, health checks included); shuffled, repeating after six.
// Normal noise: vulnerability-scanner bursts of 404/403 (several a day, random vhosts), crawler
// bursts, 499 client aborts, 304s, redirects, stray 404s, a few single 500/502/504 an hour, steady
// 401s on the login endpoints, load-balancer health checks every 10 s per vhost.
import {runGenerator} from './lib/generator-cli.mjs'
import {logSpan, rng as seededStream, shuffledKinds} from './lib/random.mjs'

const SEC = 1000
const MIN = 60 * SEC
const HOUR = 60 * MIN
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LB_IPS = ['10.0.1.15', '10.0.2.37']

// Endpoints: [method, path template, weight, bytes lo, bytes hi, ok status]. In paths {id} is a
// number, {sku} a product code, {hash} an asset hash, {q} a search word, {page} a page number.
const SHOP = [
  ['GET', '/', 14, 18000, 42000, 200],
  ['GET', '/products/{id}', 30, 22000, 61000, 200],
  ['GET', '/category/{cat}?page={page}', 14, 30000, 80000, 200],
  ['GET', '/search?q={q}', 8, 15000, 50000, 200],
  ['GET', '/cart', 7, 9000, 20000, 200],
  ['POST', '/cart/items', 5, 300, 900, 302],
  ['GET', '/checkout', 3, 12000, 25000, 200],
  ['GET', '/login', 3, 8000, 9500, 200],
  ['POST', '/login', 3, 0, 0, 302],
  ['GET', '/account/orders/{id}', 2, 11000, 19000, 200],
  ['GET', '/robots.txt', 1, 312, 312, 200],
]
const API = [
  ['GET', '/api/v1/products/{id}', 28, 900, 4200, 200],
  ['GET', '/api/v1/products?category={cat}&limit={limit}', 14, 6000, 38000, 200],
  ['GET', '/api/v1/cart', 16, 400, 3000, 200],
  ['POST', '/api/v1/cart/items', 8, 200, 1200, 201],
  ['POST', '/api/v1/checkout', 4, 500, 1400, 201],
  ['GET', '/api/v1/orders/{id}', 7, 700, 2600, 200],
  ['POST', '/api/v1/auth/token', 6, 780, 900, 200],
  ['POST', '/api/v1/events', 12, 2, 2, 204],
  ['GET', '/api/v1/recommendations?sku={sku}', 5, 2000, 9000, 200],
]
const STATIC = [
  ['GET', '/assets/app.{hash}.js', 16, 180000, 420000, 200],
  ['GET', '/assets/vendor.{hash}.js', 10, 600000, 900000, 200],
  ['GET', '/assets/styles.{hash}.css', 14, 60000, 95000, 200],
  ['GET', '/img/products/{id}_{w}.webp', 40, 8000, 140000, 200],
  ['GET', '/fonts/inter-{weight}.woff2', 8, 24000, 48000, 200],
  ['GET', '/favicon.ico', 5, 15086, 15086, 200],
]
const ADMIN = [
  ['GET', '/admin/', 10, 24000, 30000, 200],
  ['GET', '/admin/orders?status={status}&page={page}', 25, 40000, 120000, 200],
  ['GET', '/admin/orders/{id}', 20, 18000, 30000, 200],
  ['POST', '/admin/orders/{id}/refund', 2, 0, 0, 302],
  ['GET', '/admin/products/{id}/edit', 10, 21000, 28000, 200],
  ['POST', '/admin/products/{id}', 5, 0, 0, 302],
  ['GET', '/admin/reports/sales.csv?from={date}', 3, 80000, 900000, 200],
  ['GET', '/admin/login', 4, 5200, 5200, 200],
  ['POST', '/admin/login', 4, 0, 0, 302],
]
/** name, role, endpoints, requests a minute at the daily peak, login endpoint, curve. */
const VHOSTS = [
  {name: 'shop.example.com:443', role: 'storefront', endpoints: SHOP, peak: 34, login: '/login', curve: 'day'},
  {name: 'api.example.com:443', role: 'api', endpoints: API, peak: 46, login: '/api/v1/auth/token', curve: 'day'},
  {name: 'static.example.com:443', role: 'static', endpoints: STATIC, peak: 40, login: null, curve: 'day'},
  {name: 'admin.example.com:443', role: 'admin', endpoints: ADMIN, peak: 5, login: '/admin/login', curve: 'office'},
]
const CATS = ['shoes', 'jackets', 'outdoor', 'kitchen', 'toys', 'garden', 'lighting', 'bags', 'watches', 'sale', 'new-in', 'running', 'home-office']
const WORDS = ['red+dress', 'usb-c+cable', 'running+shoes', 'rain+jacket', 'desk+lamp', 'gift+card', 'backpack', 'wool+socks', 'coffee+grinder', 'yoga+mat', 'headphones', 'tent', 'kids+bike']
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
]
const APPS = ['ShopApp/5.12.1 (iPhone; iOS 18.1; Scale/3.00)', 'ShopApp/5.12.0 (Android 14; Pixel 8)', 'ShopApp/5.11.3 (Android 13; SM-A536B)', 'okhttp/4.12.0']
const SCAN_PATHS = [
  ['GET', '/wp-login.php', 404], ['GET', '/wp-admin/setup-config.php', 404], ['GET', '/xmlrpc.php', 404], ['GET', '/.env', 403],
  ['GET', '/api/.env', 403], ['GET', '/.git/config', 403], ['GET', '/phpmyadmin/index.php', 404], ['GET', '/pma/', 404],
  ['GET', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', 404], ['GET', '/actuator/env', 404], ['GET', '/.aws/credentials', 403],
  ['GET', '/server-status', 403], ['GET', '/config.json', 404], ['GET', '/backup.zip', 404], ['GET', '/wp-content/plugins/wp-file-manager/readme.txt', 404],
  ['GET', '/solr/admin/info/system?wt=json', 404], ['GET', '/HNAP1/', 404], ['GET', '/owa/auth/logon.aspx', 404], ['GET', '/.DS_Store', 404],
  ['GET', '/shell.php', 404], ['GET', '/console/', 404], ['POST', '/_ignition/execute-solution', 405], ['GET', '/cgi-bin/luci/;stok=/locale', 400],
  ['GET', '/admin/config.php', 404], ['GET', '/.well-known/security.txt', 404], ['GET', '/telescope/requests', 404], ['GET', '/debug/default/view?panel=config', 404],
]
const SCANNERS = [
  'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))', 'Mozilla/5.0 zgrab/0.x', 'python-requests/2.31.0',
  'Go-http-client/1.1', 'Mozilla/5.0 (l9scan/2.0.3; +https://leakix.net)', 'curl/7.68.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36',
]
const CRAWLERS = [
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '66.249.66'],
  ['Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '66.249.79'],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', '157.55.39'],
  ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', '5.39.1'],
]
const REASONS = {
  'upstream-down': ['connection-refused', 'upstream-crashed'],
  overload: ['503-mostly', '504-mostly'],
  'deploy-bug': null, // the endpoint is the variant
  'auth-outage': ['401', '403'],
  'rate-limit': ['scraper', 'credential-stuffing'],
  quiet: ['dns', 'listener-removed'],
}
const SPAN = {'upstream-down': [5, 30], overload: [8, 45], 'deploy-bug': [10, 60], 'auth-outage': [5, 40], 'rate-limit': [5, 30], quiet: [15, 60]}

/** The seeded stream (data/lib/random.mjs) and the addresses of this site's visitors and scanners. */
function rng(seed) {
  const r = seededStream(seed)
  const {int, pick} = r
  const publicIp = () => pick([`81.${int(2, 250)}`, `93.${int(100, 250)}`, `176.${int(0, 250)}`, `2.${int(24, 250)}`, `86.${int(128, 200)}`, `73.${int(1, 250)}`, `24.${int(16, 250)}`, `109.${int(60, 250)}`]) + `.${int(1, 254)}.${int(1, 254)}`
  const scannerIp = () => pick([`45.${int(9, 250)}.${int(1, 254)}`, `185.${int(10, 250)}.${int(1, 254)}`, `103.${int(20, 250)}.${int(1, 254)}`, `194.${int(1, 200)}.${int(1, 254)}`, `167.94.${int(138, 146)}`, '162.142.125']) + `.${int(1, 254)}`
  return {...r, publicIp, scannerIp}
}

/** Traffic over the day (UTC): a night trough near 0.1, a morning rise, an evening peak. */
function load(t, curve) {
  const h = (t % (24 * HOUR)) / HOUR
  if (curve === 'office') return h >= 7.5 && h < 18.5 ? 0.6 + 0.4 * Math.sin((Math.PI * (h - 7.5)) / 11) : 0.03
  const day = h < 6 || h > 23.8 ? 0 : Math.sin((Math.PI * (h - 6)) / 17.8) ** 1.2
  return 0.1 + 0.9 * day * (h > 12 && h < 13.5 ? 1.1 : 1)
}

function stamp(t) {
  const d = new Date(t)
  const p = (n) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

/** The world: events, the people and apps visiting (one IP, one user agent each), incident effects. */
function createWorld(seed, T0, T1) {
  const R = rng(seed)
  const events = []
  const clients = Array.from({length: 2400}, () => ({ip: R.chance(0.08) ? `2a02:${R.hex(4)}:${R.hex(4)}::${R.hex(4)}` : R.publicIp(), ua: R.pick(BROWSERS), app: R.pick(APPS)}))
  const w = {
    R, T0, T1, events, clients, effects: [], silences: [],
    emit(t, vhost, line, inc) {
      if (t >= T0 && t < T1) events.push({t: Math.floor(t), vhost, line, inc, k: events.length})
    },
    /** A returning visitor: a few are busy, most come once or twice. */
    client: () => clients[Math.floor(clients.length * R.next() ** 2.2)],
    active: (kind, vhost, t) => w.effects.find((e) => e.kind === kind && e.vhost === vhost && t >= e.start && t <= e.end),
  }
  return w
}

function fill(R, path) {
  return path
    .replace('{id}', () => String(R.int(1000, 98000)))
    .replace('{cat}', () => R.pick(CATS))
    .replace('{page}', () => String(R.chance(0.6) ? 1 : R.int(2, 12)))
    .replace('{q}', () => R.pick(WORDS))
    .replace('{sku}', () => `SKU-${R.int(10000, 99999)}`)
    .replace('{limit}', () => String(R.pick([20, 24, 48])))
    .replace('{hash}', () => R.hex(8))
    .replace('{w}', () => String(R.pick([320, 640, 1280])))
    .replace('{weight}', () => String(R.pick([400, 500, 600, 700])))
    .replace('{status}', () => R.pick(['open', 'shipped', 'refund-requested', 'all']))
    .replace('{date}', () => '2026-' + String(R.int(1, 12)).padStart(2, '0') + '-01')
}

const quote = (s) => `"${s}"`
function line(vhost, ip, user, t, method, path, status, bytes, referer, ua) {
  const proto = /Chrome|Safari|Firefox|ShopApp|okhttp/.test(ua) && !/bot|Nuclei|zgrab|l9scan/i.test(ua) ? '2.0' : '1.1'
  return `${vhost} ${ip} - ${user} [${stamp(t)}] "${method} ${path} HTTP/${proto}" ${status} ${bytes} ${quote(referer)} ${quote(ua)}`
}

/** Body size of an error page, as nginx writes them. */
const ERROR_BYTES = {400: 157, 401: 172, 403: 153, 404: 555, 405: 157, 429: 169, 500: 177, 502: 157, 503: 190, 504: 167}

/** One request of a visitor or app to `v`'s `ep` at t, after the incident effects. */
function request(w, v, ep, t, c, retry = 0) {
  const {R} = w
  const [method, tmpl, , lo, hi, okStatus] = ep
  const path = fill(R, tmpl)
  const ua = v.role === 'api' ? c.app : c.ua
  let status = okStatus
  let bytes = R.int(lo, hi)
  let inc
  // ordinary outcomes: 304 revalidations, the odd 404 or 301 (old links, trailing slashes), client aborts, steady bad logins
  if (method === 'GET' && (v.role === 'static' ? R.chance(0.3) : R.chance(0.04)) && okStatus === 200) (status = 304), (bytes = 0)
  else if (v.role !== 'static' && method === 'GET' && R.chance(0.012)) (status = 404), (bytes = ERROR_BYTES[404])
  else if (v.role === 'storefront' && method === 'GET' && R.chance(0.004)) (status = 301), (bytes = 169)
  else if (v.role === 'static' && R.chance(0.004)) (status = 404), (bytes = ERROR_BYTES[404])
  else if (tmpl === v.login && method === 'POST' && R.chance(0.06)) (status = 401), (bytes = ERROR_BYTES[401])
  else if (tmpl.startsWith('/checkout') && R.chance(0.01)) (status = 400), (bytes = ERROR_BYTES[400])
  if (R.chance(tmpl.includes('search') || tmpl.includes('checkout') || tmpl.includes('reports') ? 0.015 : 0.003)) (status = 499), (bytes = 0)
  // incidents
  const down = w.active('upstream-down', v.name, t)
  const over = w.active('overload', v.name, t)
  const bug = w.active('deploy-bug', v.name, t)
  const auth = w.active('auth-outage', v.name, t)
  if (down && R.chance(down.p)) (status = 502), (bytes = ERROR_BYTES[502]), (inc = down.inc)
  else if (over && R.chance(over.p)) (status = R.chance(over.p504) ? 504 : 503), (bytes = ERROR_BYTES[status]), (inc = over.inc)
  else if (bug && bug.method === method && bug.tmpl === tmpl && R.chance(bug.p)) (status = 500), (bytes = ERROR_BYTES[500]), (inc = bug.inc)
  else if (auth && tmpl === v.login && method === 'POST' && R.chance(auth.p)) (status = auth.status), (bytes = ERROR_BYTES[auth.status]), (inc = auth.inc)
  const referer = v.role === 'static' ? `https://shop.example.com${R.pick(['/', '/products/' + R.int(1000, 98000), '/category/' + R.pick(CATS), '/cart'])}` : v.role === 'api' ? (R.chance(0.3) ? 'https://shop.example.com/' : '-') : R.chance(0.35) ? '-' : R.chance(0.3) ? 'https://www.google.com/' : `https://${v.name.replace(':443', '')}/`
  const user = v.role === 'admin' && !tmpl.includes('login') ? R.pick(['mkovac', 'jsilva', 'aline', 'ops', 'tnguyen']) : '-'
  w.emit(t, v.name, line(v.name, c.ip, user, t, method, path, status, bytes, referer, ua), inc)
  // a failed checkout or login is retried by the person or the app, a few seconds later
  if (inc && retry < 2 && (bug || auth) && R.chance(0.5)) request(w, v, ep, t + R.int(2, 12) * SEC, c, retry + 1)
}

/** Visitors and apps on every vhost; a health check every 10 s per vhost, from the LB nodes in turn. */
function traffic(w) {
  const {R, T0, T1} = w
  for (const v of VHOSTS) {
    for (let m = T0; m < T1; m += MIN) {
      for (let n = R.poisson(v.peak * load(m, v.curve)); n > 0; n--) {
        const c = w.client()
        const ep = R.weighted(v.endpoints, (e) => e[2])
        const t = m + Math.floor(R.next() * MIN)
        request(w, v, ep, t, c)
        // a page view on the shop pulls a few assets (not all: browsers cache)
        if (v.role === 'storefront' && ep[0] === 'GET' && R.chance(0.15)) request(w, VHOSTS[2], R.weighted(STATIC, (e) => e[2]), t + R.int(80, 900), c)
      }
    }
    {
      let i = R.int(0, 1)
      for (let t = T0 + R.int(0, 10 * SEC); t < T1; t += 10 * SEC) {
        const at = t + R.int(0, 400)
        const lb = LB_IPS[i++ % LB_IPS.length]
        const down = w.active('upstream-down', v.name, at)
        const over = w.active('overload', v.name, at)
        let status = 200
        let inc
        if (down && R.chance(down.p)) (status = 502), (inc = down.inc)
        else if (over && R.chance(over.p / 2)) (status = 503), (inc = over.inc)
        w.emit(at, v.name, line(v.name, lb, '-', at, 'GET', '/healthz', status, status === 200 ? 2 : ERROR_BYTES[status], '-', 'ELB-HealthChecker/2.0'), inc)
      }
    }
  }
}

/** Alarming-looking noise of a healthy site. */
function background(w) {
  const {R, T0, T1} = w
  const days = (T1 - T0) / (24 * HOUR)
  // vulnerability scanners: bursts of 404/403 from one address, a minute or two, several a day
  for (let k = Math.max(2, R.poisson(7 * days)); k > 0; k--) {
    const v = R.pick(VHOSTS)
    const s = R.int(T0, T1 - 3 * MIN)
    const len = R.int(40, 130) * SEC
    const ip = R.scannerIp()
    const ua = R.pick(SCANNERS)
    for (let i = R.int(30, 320); i > 0; i--) {
      const [method, path, status] = R.pick(SCAN_PATHS)
      const t = s + R.int(0, len)
      w.emit(t, v.name, line(v.name, ip, '-', t, method, path, status, ERROR_BYTES[status], '-', ua))
    }
  }
  // crawlers: Googlebot and friends walking the catalogue, some old product pages gone
  for (let k = Math.max(2, R.poisson(4 * days)); k > 0; k--) {
    const [ua, net] = R.pick(CRAWLERS)
    const s = R.int(T0, T1 - 25 * MIN)
    const len = R.int(5, 20) * MIN
    for (let i = R.int(40, 400); i > 0; i--) {
      const t = s + R.int(0, len)
      const ep = R.weighted(SHOP.filter((e) => e[0] === 'GET' && !e[1].startsWith('/cart') && !e[1].startsWith('/checkout') && !e[1].startsWith('/account')), (e) => e[2])
      const gone = ep[1].includes('{id}') && R.chance(0.15)
      const status = gone ? 404 : R.chance(0.03) ? 301 : 200
      w.emit(t, VHOSTS[0].name, line(VHOSTS[0].name, `${net}.${R.int(1, 254)}`, '-', t, 'GET', fill(R, ep[1]), status, status === 200 ? R.int(ep[3], ep[4]) : status === 404 ? ERROR_BYTES[404] : 169, '-', ua))
    }
  }
  // single upstream hiccups: a few 500/502/504 an hour anywhere but static
  for (let m = T0; m < T1; m += MIN) {
    for (let n = R.poisson(4 / 60); n > 0; n--) {
      const v = R.pick([VHOSTS[0], VHOSTS[1], VHOSTS[1], VHOSTS[3]])
      const [method, tmpl] = R.weighted(v.endpoints, (e) => e[2])
      const status = R.pick([500, 502, 504, 502])
      const t = m + R.int(0, MIN - 1)
      const c = w.client()
      w.emit(t, v.name, line(v.name, c.ip, '-', t, method, fill(R, tmpl), status, ERROR_BYTES[status], '-', v.role === 'api' ? c.app : c.ua))
    }
  }
  // monitoring from outside: an uptime probe on the shop's front page every minute
  for (let t = T0 + R.int(0, MIN); t < T1; t += MIN) w.emit(t, VHOSTS[0].name, line(VHOSTS[0].name, '34.120.88.19', '-', t, 'GET', '/', 200, R.int(18000, 42000), '-', 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)'))
}

/** One incident of `kind` from `start` for `dur` ms; registers its effect, returns its truth fields. */
function inject(w, kind, start, dur, inc) {
  const {R} = w
  const end = start + dur
  const variant = REASONS[kind] ? R.pick(REASONS[kind]) : null
  if (kind === 'upstream-down') {
    const v = R.pick([VHOSTS[0], VHOSTS[1], VHOSTS[1], VHOSTS[3]])
    w.effects.push({kind, vhost: v.name, start, end, inc, p: 0.75 + R.next() * 0.25})
    return {variant, hosts: [v.name], component: `${v.name.split('.')[0]}-upstream`, marker: '" 502 ', title: `${v.name}: upstream down, 502 Bad Gateway (${variant})`}
  }
  if (kind === 'overload') {
    const v = R.pick([VHOSTS[0], VHOSTS[1]])
    const p = 0.2 + R.next() * 0.45
    w.effects.push({kind, vhost: v.name, start, end, inc, p, p504: variant === '504-mostly' ? 0.75 : 0.25})
    const code = variant === '504-mostly' ? '504' : '503'
    return {variant, hosts: [v.name], component: `${v.name.split('.')[0]}-upstream`, marker: `" ${code} `, title: `${v.name} overloaded: ${Math.round(p * 100)}% of requests 503/504`}
  }
  if (kind === 'deploy-bug') {
    const [v, ep] = R.pick([[VHOSTS[1], API[4]], [VHOSTS[1], API[0]], [VHOSTS[1], API[2]], [VHOSTS[0], SHOP[1]], [VHOSTS[0], SHOP[4]], [VHOSTS[1], API[5]]])
    w.effects.push({kind, vhost: v.name, start, end, inc, method: ep[0], tmpl: ep[1], p: 0.7 + R.next() * 0.3})
    const route = `${ep[0]} ${ep[1].split('?')[0]}`
    const marker = /[{?]/.test(ep[1]) ? '" 500 ' : `${ep[0]} ${ep[1]} HTTP/2.0" 500`
    return {variant: route, hosts: [v.name], component: route, marker, title: `${v.name}: a deploy broke ${route} (500 Internal Server Error)`}
  }
  if (kind === 'auth-outage') {
    const v = R.pick([VHOSTS[0], VHOSTS[1], VHOSTS[1], VHOSTS[3]])
    const status = Number(variant)
    w.effects.push({kind, vhost: v.name, start, end, inc, status, p: 0.7 + R.next() * 0.3})
    // people and apps keep trying to log in: logins at 3-6x their rate
    const rate = (v.role === 'admin' ? 1.5 : 4) * R.int(3, 6) / MIN
    for (let t = start + R.int(0, 20 * SEC); t <= end; t += Math.max(200, Math.floor(-Math.log(1 - R.next()) / rate))) request(w, v, v.endpoints.find((e) => e[0] === 'POST' && e[1] === v.login), t, w.client())
    return {variant, hosts: [v.name], component: `POST ${v.login}`, marker: `POST ${v.login} HTTP/2.0" ${status}`, title: `${v.name}: logins failing with ${status}`}
  }
  if (kind === 'rate-limit') {
    const v = variant === 'scraper' ? R.pick([VHOSTS[0], VHOSTS[1]]) : R.pick([VHOSTS[0], VHOSTS[1]])
    const ip = R.scannerIp()
    const perSec = 0.5 + R.next() * 4
    const ua = variant === 'scraper' ? R.pick(['python-requests/2.32.3', 'Scrapy/2.11.2 (+https://scrapy.org)', BROWSERS[0]]) : R.pick(['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'okhttp/4.9.3'])
    const ep = variant === 'scraper' ? (v === VHOSTS[0] ? SHOP[1] : API[0]) : v.endpoints.find((e) => e[0] === 'POST' && e[1] === v.login)
    let n = 0
    for (let t = start; t <= end; t += Math.max(20, Math.floor((-Math.log(1 - R.next()) / perSec) * SEC))) {
      const status = n++ < 30 ? (variant === 'scraper' ? ep[5] : 401) : R.chance(0.95) ? 429 : variant === 'scraper' ? ep[5] : 401
      w.emit(t, v.name, line(v.name, ip, '-', t, ep[0], fill(R, ep[1]), status, status === 429 ? ERROR_BYTES[429] : status === 401 ? ERROR_BYTES[401] : R.int(ep[3], ep[4]), '-', ua), inc)
    }
    return {variant, hosts: [v.name], component: `${ep[0]} ${ep[1].split(/[{?]/)[0]}`, marker: '" 429 ', title: `${v.name}: ${ip} rate-limited (429) at ~${perSec.toFixed(1)} req/s (${variant})`}
  }
  // quiet: the vhost gets no traffic at all (DNS record or LB listener gone), health checks included
  const v = R.pick(VHOSTS)
  w.silences.push({vhost: v.name, start, end, inc})
  return {variant, hosts: [v.name], component: '*', marker: null, silent: {host: v.name, program: null}, title: `${v.name} served nothing (${variant})`}
}

/** The log text and truth document; no files touched. */
export function generate({seed = 1, hours = 24, incidents, start} = {}) {
  const {T0, T1} = logSpan({seed, hours, start}, HOUR)
  const w = createWorld(seed, T0, T1)
  const count = incidents ?? Math.max(1, Math.round((10 * hours) / 24))
  const bag = shuffledKinds(count, Object.keys(SPAN), w.R)
  const slot = (T1 - T0) / count
  const planned = bag.map((kind, i) => {
    const [lo, hi] = SPAN[kind]
    const dur = Math.min(w.R.int(lo, hi) * MIN, slot * 0.6)
    const s = Math.floor(T0 + i * slot + w.R.next() * Math.max(0, slot - dur - 20 * MIN) + 10 * MIN)
    const id = `I${String(i + 1).padStart(2, '0')}`
    return {id, kind, start: s, dur, info: inject(w, kind, s, dur, id)}
  })
  traffic(w)
  background(w)
  const silenced = (e) => w.silences.some((s) => s.vhost === e.vhost && e.t >= s.start && e.t <= s.end)
  const events = w.events.filter((e) => !silenced(e)).sort((a, b) => a.t - b.t || a.k - b.k)
  const lines = events.map((e) => e.line)
  const iso = (ms) => new Date(ms - (ms % 1000)).toISOString()
  const truth = []
  for (const p of planned) {
    const own = events.filter((e) => e.inc === p.id)
    const sil = p.info.silent ? w.silences.find((s) => s.inc === p.id) : null
    if (!sil && own.length === 0) continue
    const first = sil ? sil.start : own[0].t
    const last = sil ? sil.end : own[own.length - 1].t
    const {variant, title, hosts, component, marker, silent} = p.info
    truth.push({id: p.id, kind: p.kind, variant, title, hosts, component, start: iso(first), end: iso(Math.min(last, T1 - 1000)), marker, ...(silent ? {silent} : {}), lines: own.length})
  }
  const doc = {
    generator: 'data/generate-access.mjs',
    seed,
    hours,
    hosts: VHOSTS.map(({name, role}) => ({name, role})),
    start: iso(T0),
    end: iso(T1),
    lines: lines.length,
    note: 'Apache vhost_combined lines (the virtual host first), times in UTC. A quiet incident has no marker: its evidence is that silent.host (a vhost) logs nothing, health checks included, between start and end.',
    incidents: truth,
  }
  return {text: lines.join('\n') + '\n', truth: doc}
}

runGenerator(import.meta, {
  script: 'data/generate-access.mjs',
  defaultOut: 'access_sample.log',
  generate,
  describe: (inc) => `${inc.id} ${inc.kind.padEnd(13)} ${inc.start.slice(11, 19)}-${inc.end.slice(11, 19)} ${inc.hosts.join(',')} (${inc.lines} lines): ${inc.title}`,
})
