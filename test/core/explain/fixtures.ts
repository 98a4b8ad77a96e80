import {Incident, Results} from '../../../src/core/results.js'

export const PLANTED = {
  password: 'hunter2',
  anthropicKey: 'sk-ant-api03-PLANTEDkeyABCDEFGHIJKLMNOP0123456789',
  email: 'alice.oncall@example.com',
}

export function hdfsIncident(id = 'INC-1'): Incident {
  return Incident.parse({
    id,
    session_ids: ['blk_-1608999687919862906', 'blk_7503483334202473044'],
    size: 2,
    severity: 'high',
    severity_reason: 'score 0.91 above threshold 0.6',
    score: 0.91,
    time_range: {start: '2008-11-09T20:35:18Z', end: '2008-11-09T20:36:02Z'},
    templates: [
      {id: 'T1', template: 'Receiving block <*> src: /<*> dest: /<*>', count: 6, normal_mean: 3, level: 'INFO'},
      {id: 'T2', template: 'PacketResponder <*> for block <*> terminating', count: 1, normal_mean: 3, level: 'INFO'},
      {id: 'T3', template: 'writeBlock <*> received exception java.io.IOException: Connection reset by peer', count: 2, normal_mean: 0, level: 'WARN'},
      {id: 'T4', template: 'Exception in receiveBlock for block <*> java.io.EOFException', count: 2, normal_mean: 0, level: 'WARN'},
      {id: 'T5', template: 'BLOCK* NameSystem.allocateBlock: <*>', count: 2, normal_mean: 1, level: 'INFO'},
    ],
    sample_lines: [
      {line: 1042, text: '081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010', template_id: 'T1', session_id: 'blk_-1608999687919862906', reason: 'first of session'},
      {line: 1057, text: '081109 203521 145 WARN dfs.DataNode$DataXceiver: writeBlock blk_-1608999687919862906 received exception java.io.IOException: Connection reset by peer', template_id: 'T3', session_id: 'blk_-1608999687919862906', reason: 'rare template'},
      {line: 1063, text: '081109 203522 147 WARN dfs.DataNode$DataXceiver: Exception in receiveBlock for block blk_-1608999687919862906 java.io.EOFException', template_id: 'T4', session_id: 'blk_-1608999687919862906', reason: 'error level'},
      {line: 1201, text: '081109 203602 26 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_7503483334202473044 terminating', template_id: 'T2', session_id: 'blk_7503483334202473044', reason: 'last of session'},
    ],
    reasons: [
      {feature: 'T3', value: 2, normal: 0, note: 'template never seen in normal sessions'},
      {feature: 'T2', value: 1, normal: 3, note: 'fewer PacketResponder terminations than normal'},
    ],
    components: [
      {name: 'dfs.DataNode$DataXceiver', count: 10},
      {name: 'dfs.DataNode$PacketResponder', count: 1},
      {name: 'dfs.FSNamesystem', count: 2},
    ],
    levels: {INFO: 9, WARN: 4},
  })
}

export function serviceIncident(id = 'INC-2', withSecrets = false): Incident {
  const secretLine = withSecrets
    ? `{"level":"error","msg":"upstream auth failed","user":"${PLANTED.email}","password=${PLANTED.password}","api_key":"${PLANTED.anthropicKey}","request_id":"req-77f1"}`
    : '{"level":"error","msg":"upstream call to payments-service failed: connect ECONNREFUSED 10.0.4.17:8443","request_id":"req-77f1"}'
  return Incident.parse({
    id,
    session_ids: ['req-77f1', 'req-91c3', 'req-a02e'],
    size: 3,
    severity: 'medium',
    severity_reason: 'score 0.72 above threshold 0.6',
    score: 0.72,
    time_range: {start: '2024-05-02T14:03:11.120Z', end: '2024-05-02T14:03:19.884Z'},
    templates: [
      {id: 'T10', template: 'request started method=<*> path=/api/checkout', count: 3, normal_mean: 1, level: 'info'},
      {id: 'T11', template: 'upstream call to payments-service failed: connect ECONNREFUSED <*>:8443', count: 8, normal_mean: 0, level: 'error'},
      {id: 'T12', template: 'request finished status=<*> duration_ms=<*>', count: 3, normal_mean: 1, level: 'info'},
      {id: 'T13', template: 'retrying upstream payments-service attempt=<*>', count: 6, normal_mean: 0.05, level: 'warn'},
    ],
    sample_lines: [
      {line: 88, text: '{"level":"info","msg":"request started method=POST path=/api/checkout","request_id":"req-77f1"}', template_id: 'T10', session_id: 'req-77f1', reason: 'first of session'},
      {line: 91, text: secretLine, template_id: 'T11', session_id: 'req-77f1', reason: 'error level'},
      {line: 95, text: '{"level":"warn","msg":"retrying upstream payments-service attempt=2","request_id":"req-77f1"}', template_id: 'T13', session_id: 'req-77f1', reason: 'rare template'},
      {line: 140, text: '{"level":"info","msg":"request finished status=502 duration_ms=8764","request_id":"req-91c3"}', template_id: 'T12', session_id: 'req-91c3', reason: 'last of session'},
    ],
    reasons: [{feature: 'T11', value: 8, normal: 0, note: 'template never seen in normal sessions'}],
    components: [{name: 'checkout-api', count: 20}],
    levels: {info: 6, warn: 6, error: 8},
  })
}

/** An incident no signature explains. */
export function oddIncident(id = 'INC-3'): Incident {
  return Incident.parse({
    id,
    session_ids: ['w-17'],
    size: 1,
    severity: 'low',
    severity_reason: 'score 0.61 just above threshold 0.6',
    score: 0.61,
    time_range: {start: null, end: null},
    templates: [{id: 'T20', template: 'cache warmup phase <*> complete keys=<*>', count: 40, normal_mean: 2, level: 'info'}],
    sample_lines: [{line: 7, text: 'cache warmup phase 3 complete keys=18234', template_id: 'T20', session_id: 'w-17', reason: 'first of session'}],
    reasons: [{feature: 'event_count', value: 40, normal: 2, note: 'many more events than normal'}],
    components: [],
    levels: {info: 40},
  })
}

export function resultsWith(incidents: Incident[], format = 'hdfs'): Results {
  return Results.parse({
    version: 1,
    summary: {
      input: 'test.log',
      lines: 1000,
      parsed: 1000,
      skipped: 0,
      sessions: 50,
      anomalies: incidents.length,
      incidents: incidents.length,
      templates: 20,
      format,
      session_key: 'block',
      detector: 'isolation-forest',
      threshold: 0.6,
      elapsed_ms: 12,
    },
    incidents,
    anomalies: [],
  })
}

/**
 * A valid summary for whatever incident a request describes: it quotes the first representative
 * line and the first template row of the prompt verbatim, so it is grounded even when the prompt
 * was redacted.
 */
export function groundedSummaryFromPrompt(prompt: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const line = /^line (\d+) \[(\w+)\] \([^)]*\): (.*)$/m.exec(prompt)
  const template = /^- (T\d+) \| count \d+ \|.*\| ([^|]+)$/m.exec(prompt)
  const incident = /^Incident (\S+)/m.exec(prompt)?.[1] ?? 'unknown'
  const evidence = []
  if (line) evidence.push({kind: 'line', ref: line[1], text: line[3]})
  if (template) evidence.push({kind: 'template', ref: template[1], text: template[2]!.trim()})
  return {
    explanation: `Incident ${incident}: line ${line?.[1]} shows ${line?.[3]}`,
    root_cause: `The failure quoted at line ${line?.[1]}`,
    severity: 'high',
    severity_reasoning: 'detector rated it high',
    confidence: 0.7,
    confidence_reasoning: 'one clear error line',
    remediation: [{action: `Check what line ${line?.[1]} reports`, priority: 'immediate'}],
    evidence,
    inconclusive: false,
    ruled_out: ['disk full: no such lines'],
    ...overrides,
  }
}

/** The user prompt of an Anthropic or OpenAI request body. */
export function userPrompt(body: any): string {
  const messages = body.messages as Array<{role: string; content: unknown}>
  const user = messages.find((m) => m.role === 'user')!
  return typeof user.content === 'string' ? user.content : JSON.stringify(user.content)
}
