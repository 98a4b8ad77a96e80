import {gzipSync} from 'node:zlib'
import {afterEach, describe, expect, it} from 'vitest'
import {OtlpSource} from '../../../src/core/stream/sources/otlp-source.js'
import {ExportLogsServiceRequest, ExportLogsServiceResponse, RpcStatus} from '../../../src/core/stream/sources/otlp-proto.js'
import {CollectingSink} from './live-sink.js'

const sources: OtlpSource[] = []
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()))
})

async function listen(maxBodyBytes?: number) {
  const source = new OtlpSource('127.0.0.1', 0, {maxBodyBytes})
  const sink = new CollectingSink()
  await source.start(sink)
  sources.push(source)
  return {source, sink, url: `http://127.0.0.1:${source.address().port}/v1/logs`}
}

const request = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          {key: 'service.name', value: {stringValue: 'checkout'}},
          {key: 'host.name', value: {stringValue: 'web-7'}},
        ],
      },
      scopeLogs: [
        {
          scope: {name: 'app'},
          logRecords: [
            {timeUnixNano: '1764583200123456789', severityText: 'Error', body: {stringValue: 'payment failed for order 42'}},
            {observedTimeUnixNano: '1764583201000000000', severityNumber: 13, body: {kvlistValue: {values: [{key: 'msg', value: {stringValue: 'slow'}}]}}},
            {severityNumber: 9, body: {stringValue: 'first line\nsecond line'}},
            {severityText: 'INFO'},
          ],
        },
      ],
    },
  ],
}

function expectMapped(sink: CollectingSink) {
  expect(sink.lines.map(({text, eventTime, host, component, level}) => ({text, eventTime, host, component, level}))).toEqual([
    {text: 'payment failed for order 42', eventTime: 1764583200123, host: 'web-7', component: 'checkout', level: 'ERROR'},
    {text: '{"msg":"slow"}', eventTime: 1764583201000, host: 'web-7', component: 'checkout', level: 'WARN'},
    {text: 'first line', eventTime: undefined, host: 'web-7', component: 'checkout', level: 'INFO'},
    {text: 'second line', eventTime: undefined, host: 'web-7', component: 'checkout', level: 'INFO'},
  ])
}

describe('OtlpSource', () => {
  it('JSON body: records to lines, the body-less record refused in partial_success', async () => {
    const {sink, url, source} = await listen()
    const res = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(request)})
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({partialSuccess: {rejectedLogRecords: '1', errorMessage: 'log record without a body'}})
    expectMapped(sink)
    expect(source.stats()).toMatchObject({lines: 4, rejected: 1})
  })

  it('protobuf body (gzip), answered in protobuf', async () => {
    const {sink, url} = await listen()
    const bytes = ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(request)).finish()
    const res = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip'},
      body: gzipSync(bytes),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-protobuf')
    const answer = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(new Uint8Array(await res.arrayBuffer())), {longs: String})
    expect(answer).toEqual({partialSuccess: {rejectedLogRecords: '1', errorMessage: 'log record without a body'}})
    expectMapped(sink)
  })

  it('a fully accepted request gets an empty response', async () => {
    const {url} = await listen()
    const one = {resourceLogs: [{scopeLogs: [{logRecords: [{body: {stringValue: 'ok'}}]}]}]}
    const res = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json; charset=utf-8'}, body: JSON.stringify(one)})
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
  })

  it('refuses bodies that are not OTLP (400), too big (413), other types (415), and keeps serving', async () => {
    const {sink, url, source} = await listen(4096)
    const post = (type: string, body: string | Uint8Array) => fetch(url, {method: 'POST', headers: {'Content-Type': type}, body})
    const notJson = await post('application/json', '{"resourceLogs": [')
    expect(notJson.status).toBe(400)
    expect(((await notJson.json()) as {message: string}).message).toMatch(/not JSON/)
    expect((await post('application/json', '{"hello": "world"}')).status).toBe(400)
    expect((await post('application/json', '[1,2,3]')).status).toBe(400)
    const garbage = await post('application/x-protobuf', 'this is not protobuf at all')
    expect(garbage.status).toBe(400)
    expect(RpcStatus.decode(new Uint8Array(await garbage.arrayBuffer())).toJSON().message).toMatch(/not an OTLP protobuf/)
    expect((await post('application/x-protobuf', new Uint8Array([0x0a, 0x02, 0xff, 0xff, 0xff]))).status).toBe(400)
    expect((await post('text/plain', 'hello')).status).toBe(415)
    expect((await post('application/json', JSON.stringify({resourceLogs: [{scopeLogs: [{logRecords: [{body: {stringValue: 'x'.repeat(5000)}}]}]}]}))).status).toBe(413)
    expect((await fetch(url)).status).toBe(405)
    expect(source.stats().rejected).toBe(7)
    const ok = await post('application/json', JSON.stringify({resourceLogs: [{scopeLogs: [{logRecords: [{body: {stringValue: 'still here'}}]}]}]}))
    expect(ok.status).toBe(200)
    expect(sink.texts()).toEqual(['still here'])
  })
})
