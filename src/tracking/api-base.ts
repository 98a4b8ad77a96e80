import type * as z from '../core/zod.js'
import type {MlflowHttp} from './http.js'
import type {Page} from './types.js'

const apiPrefix = '/api/2.0/mlflow/'

type Query = Record<string, string | number | boolean | readonly string[] | undefined>

/** The JSON call helpers every group of MLflow endpoints shares. */
export abstract class MlflowApiBase {
  protected readonly http: MlflowHttp

  protected constructor(http: MlflowHttp) {
    this.http = http
  }

  protected get<S extends z.ZodType>(endpoint: string, query: Query, action: string, schema: S): Promise<z.infer<S>> {
    return this.http.call({method: 'GET', path: apiPrefix + endpoint, query, action}, schema)
  }

  protected post<S extends z.ZodType>(endpoint: string, json: object, action: string, schema: S): Promise<z.infer<S>> {
    return this.http.call({method: 'POST', path: apiPrefix + endpoint, json: dropUndefined(json), action}, schema)
  }

  protected patch<S extends z.ZodType>(endpoint: string, json: object, action: string, schema: S): Promise<z.infer<S>> {
    return this.http.call({method: 'PATCH', path: apiPrefix + endpoint, json: dropUndefined(json), action}, schema)
  }

  /** MLflow reads DELETE arguments from a JSON body, not the query string. */
  protected delete<S extends z.ZodType>(endpoint: string, json: object, action: string, schema: S): Promise<z.infer<S>> {
    return this.http.call({method: 'DELETE', path: apiPrefix + endpoint, json: dropUndefined(json), action}, schema)
  }
}

function dropUndefined(json: object): object {
  return Object.fromEntries(Object.entries(json).filter(([, value]) => value !== undefined))
}

/** Follows page tokens until the last page or until `limit` items. */
export async function collectPages<T>(
  fetchPage: (token?: string) => Promise<Page<T>>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const out: T[] = []
  let token: string | undefined
  do {
    const page = await fetchPage(token)
    out.push(...page.items)
    token = page.nextPageToken
  } while (token && out.length < limit)
  return out.length > limit ? out.slice(0, limit) : out
}
