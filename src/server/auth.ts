import {createHash, timingSafeEqual} from 'node:crypto'
import type {FastifyRequest} from 'fastify'
import {HttpError} from './errors.js'

/** Routes anyone may read: the page, its assets, the API's description, the liveness probe. */
const OPEN = [/^\/$/, /^\/dashboard(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/health$/]

/**
 * Bearer token check. Both sides are hashed first so the comparison takes the same time whatever
 * the length or content of the guess. EventSource cannot send headers: /demo/stream also takes
 * `?access_token=`.
 */
export function checkToken(request: FastifyRequest, token: string): void {
  const path = request.url.split('?')[0]!
  if (OPEN.some((pattern) => pattern.test(path))) return
  const given = givenToken(request, path)
  if (!given || !sameToken(given, token)) {
    throw new HttpError(401, given ? 'invalid API token' : 'this server requires an API token', {hint: 'send the header Authorization: Bearer <token> (flare serve --token / FLARE_API_TOKEN)', headers: {'www-authenticate': 'Bearer'}})
  }
}

/** Whether the request carries the right token: open routes (/health) that say more to those that do. */
export function hasToken(request: FastifyRequest, token: string): boolean {
  const given = givenToken(request, request.url.split('?')[0]!)
  return given !== undefined && sameToken(given, token)
}

function givenToken(request: FastifyRequest, path: string): string | undefined {
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim()
  if (!given && path === '/demo/stream') return new URL(request.url, 'http://x').searchParams.get('access_token') || undefined
  return given || undefined
}

function sameToken(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(token))
}
