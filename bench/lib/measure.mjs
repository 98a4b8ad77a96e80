// Run a child process and measure wall time and peak RSS.
// Peak RSS comes from GNU time (`/usr/bin/time -v`, "Maximum resident set size") when installed
// (`apt-get install -y time`), else from polling /proc/<pid>/status VmHWM (the kernel's own
// high-water mark, so polling only has to catch the last value before exit).
import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const GNU_TIME = '/usr/bin/time'
let timeChecked
function gnuTimeAvailable() {
  if (timeChecked === undefined) {
    timeChecked = false
    try {
      fs.accessSync(GNU_TIME, fs.constants.X_OK)
      timeChecked = true
    } catch {}
  }
  return timeChecked
}

export function rssMethod() {
  return gnuTimeAvailable() ? '/usr/bin/time -v' : '/proc/<pid>/status VmHWM polling'
}

function readHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

function readRssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/**
 * The machine's stolen CPU time so far, in ticks (USER_HZ, 100 a second): time a VM's cores
 * waited for the host. A run with much steal was slowed by other guests, not by its own code.
 */
function stealTicks() {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/)
    return cpu[0] === 'cpu' && cpu.length > 8 ? Number(cpu[8]) : undefined
  } catch {
    return undefined
  }
}

/** "steal N%": the share of the machine's CPU time the host took during a run (see stealTicks). */
export function stealText(run) {
  return run.stealPct === undefined ? 'steal ?' : `steal ${run.stealPct.toFixed(0)}%`
}

/**
 * Run `cmd args` to completion (or until `timeoutMs`, then SIGKILL).
 * stdout goes to `stdoutFile` when given (large JSON never passes through this process), else is
 * collected. stderr is collected and, with `echoStderr`, echoed live (stage traces).
 * Returns {code, signal, timedOut, wallMs, cpuMs (user+sys, GNU time only), peakRssKb, lastRssKb,
 * rssSamples ([ms since start, VmRSS kB] every 250 ms: RSS over time), stealPct (the share of
 * all cores' time the VM host took during the run, stealText), stdout, stderr}.
 */
export function runMeasured(cmd, args, {cwd, env, stdoutFile, timeoutMs, echoStderr = false} = {}) {
  const useTime = gnuTimeAvailable()
  const timeFile = path.join(os.tmpdir(), `flare-bench-time-${process.pid}-${Date.now()}.txt`)
  const argv = useTime ? [GNU_TIME, '-v', '-o', timeFile, cmd, ...args] : [cmd, ...args]
  const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'pipe'
  return new Promise((resolve) => {
    const t0 = performance.now()
    const steal0 = stealTicks()
    const child = spawn(argv[0], argv.slice(1), {cwd, env, stdio: ['ignore', out, 'pipe']})
    let stdout = ''
    let stderr = ''
    let peak = 0
    let lastRss
    const rssSamples = []
    let timedOut = false
    if (child.stdout) child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000)
      if (echoStderr) process.stderr.write(d)
    })
    // The measured process is the child itself without GNU time, or GNU time's only child with it.
    const poll = setInterval(() => {
      let pid = child.pid
      if (useTime) {
        try {
          pid = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined
        } catch {
          pid = undefined
        }
      }
      if (!pid) return
      const hwm = readHwmKb(pid)
      if (hwm) peak = Math.max(peak, hwm)
      const rss = readRssKb(pid)
      if (rss !== undefined) {
        lastRss = rss
        rssSamples.push([Math.round(performance.now() - t0), rss])
      }
    }, 250)
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true
          try {
            process.kill(child.pid, 'SIGKILL')
          } catch {}
          // GNU time's child survives its parent's SIGKILL: kill it too.
          try {
            const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
            for (const k of kids) process.kill(Number(k), 'SIGKILL')
          } catch {}
        }, timeoutMs)
      : undefined
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0
      const steal1 = stealTicks()
      const stealPct = steal0 === undefined || steal1 === undefined || wallMs <= 0 ? undefined : (100 * (steal1 - steal0)) / ((wallMs / 10) * os.cpus().length)
      clearInterval(poll)
      if (timer) clearTimeout(timer)
      if (typeof out === 'number') fs.closeSync(out)
      let peakRssKb = peak || undefined
      let cpuMs
      let exit = code
      if (useTime) {
        try {
          const text = fs.readFileSync(timeFile, 'utf8')
          const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text)
          if (m) peakRssKb = Number(m[1])
          const u = /User time \(seconds\): ([\d.]+)/.exec(text)
          const k = /System time \(seconds\): ([\d.]+)/.exec(text)
          if (u && k) cpuMs = (Number(u[1]) + Number(k[1])) * 1000
          const e = /Exit status: (\d+)/.exec(text)
          if (e) exit = Number(e[1])
          const s = /Command terminated by signal (\d+)/.exec(text)
          if (s) signal = `signal ${s[1]}`
          fs.rmSync(timeFile, {force: true})
        } catch {}
      }
      resolve({code: exit, signal, timedOut, wallMs, cpuMs, peakRssKb, lastRssKb: lastRss, rssSamples, stealPct, stdout, stderr})
    })
  })
}

/** One-line description of the machine, for the tables and the README. */
export function machine() {
  const cpus = os.cpus()
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`
}

/** Commit and whether src/ has uncommitted edits: dist/ is built from the working tree. */
export function codeVersion(cwd) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd, encoding: 'utf8'}).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {cwd, encoding: 'utf8'}).trim()
    return `git ${head}${dirty ? ` + uncommitted src/ edits (${dirty.split('\n').length} files)` : ''}`
  } catch {
    return 'git version unknown'
  }
}

/**
 * RSS over a run as `n` points, "t s: MB", each the highest sample in its slice of the run, so a
 * flat (bounded) footprint reads as flat and a growing one as growing.
 */
export function rssOverTime(samples, n = 10) {
  if (!samples || samples.length === 0) return '—'
  const end = samples[samples.length - 1][0]
  const points = []
  for (let i = 0; i < n; i++) {
    const from = (end * i) / n
    const to = (end * (i + 1)) / n
    let peak = 0
    for (const [t, kb] of samples) if (t > from && t <= to && kb > peak) peak = kb
    if (peak > 0) points.push(`${(to / 1000).toFixed(0)}s ${(peak / 1024).toFixed(0)}`)
  }
  return `${points.join(', ')} (MB)`
}
