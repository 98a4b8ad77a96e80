/** The truth document the seeded generators write beside a log (data/generate-ops.mjs, data/generate-access.mjs). */
export interface TruthIncident {
  id: string
  kind: string
  variant: string
  hosts: string[]
  start: string
  end: string
  marker: string | null
  silent?: {host: string; program: string | null}
  lines: number
}

export interface Truth {
  generator: string
  start: string
  end: string
  lines: number
  hosts: {name: string; role: string}[]
  incidents: TruthIncident[]
}
