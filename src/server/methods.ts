/**
 * Which methods a path answers to, from the routes as registered: a request with another method
 * gets 405 and an Allow header instead of "no route".
 */
export class RouteMethods {
  private readonly routes: Array<{pattern: RegExp; methods: string[]}> = []

  add(url: string, method: string | string[]): void {
    // `:param` is one path segment, `*` the rest of the path.
    const source = url.split(/(:[^/]+|\*)/).map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('')
    this.routes.push({pattern: new RegExp(`^${source}$`), methods: [method].flat()})
  }

  /** The methods `path` has routes for (empty: no such path), sorted. */
  allowed(path: string): string[] {
    const methods = new Set<string>()
    for (const route of this.routes) if (route.pattern.test(path)) for (const m of route.methods) methods.add(m)
    return [...methods].sort()
  }
}
