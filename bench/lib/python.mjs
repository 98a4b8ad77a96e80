// Python peers (Drain3, scikit-learn) run from a private venv at .venv-bench, created on first use.
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {ROOT} from './paths.mjs'

export const VENV = path.join(ROOT, '.venv-bench')
export const PEER_PACKAGES = {drain3: 'drain3==0.9.11', sklearn: 'scikit-learn==1.9.1'}
const PY = path.join(VENV, 'bin/python')

function canImport(mod) {
  return spawnSync(PY, ['-c', `import ${mod}`], {stdio: 'ignore'}).status === 0
}

let cached
/**
 * The venv's python and which peer modules import. Creates the venv and installs the pinned
 * peers when missing, saying so; a peer that cannot be installed is reported as unavailable (the
 * caller skips it with a message) rather than failing the bench.
 */
export function ensurePeers() {
  if (cached) return cached
  const have = {}
  if (!fs.existsSync(PY)) {
    console.log(`[python] ${path.relative(ROOT, VENV)} missing: python3 -m venv ${path.relative(ROOT, VENV)}`)
    const r = spawnSync('python3', ['-m', 'venv', VENV], {stdio: 'inherit'})
    if (r.status !== 0) {
      console.log('[python] cannot create the venv (is python3-venv installed?): Python peers skipped')
      return (cached = {python: undefined, have: {drain3: false, sklearn: false}})
    }
  }
  for (const [mod, spec] of Object.entries(PEER_PACKAGES)) {
    if (canImport(mod)) {
      have[mod] = true
      continue
    }
    console.log(`[python] ${mod} not importable: ${path.relative(ROOT, VENV)}/bin/pip install ${spec}`)
    const r = spawnSync(path.join(VENV, 'bin/pip'), ['install', '--quiet', spec], {stdio: 'inherit'})
    have[mod] = r.status === 0 && canImport(mod)
    if (!have[mod]) console.log(`[python] could not install ${spec}: its peer is skipped`)
  }
  return (cached = {python: PY, have})
}

/**
 * Environment for the scikit-learn subprocess only: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be
 * set on this machine to pin a kernel for other tools; the peer runs with OpenBLAS's own choice
 * (the kernel it picked is printed from threadpoolctl). Nothing else's environment changes.
 */
export function sklearnEnv() {
  const env = {...process.env}
  const removed = []
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (k in env) {
      removed.push(`${k}=${env[k]}`)
      delete env[k]
    }
  }
  return {env, removed}
}

/** Run bench/detect_peer.py with args; returns parsed JSON from its stdout (stderr echoed). */
export function runPeer(args, {env} = {}) {
  const {python} = ensurePeers()
  const out = execFileSync(python, [path.join(ROOT, 'bench/detect_peer.py'), ...args], {cwd: ROOT, env: env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20})
  return JSON.parse(out.trim().split('\n').pop())
}
