import protobuf from 'protobufjs'

/**
 * The OTLP logs messages Flare reads and writes, as a protobufjs JSON descriptor written from
 * opentelemetry-proto (logs/v1/logs.proto, common/v1/common.proto, resource/v1/resource.proto,
 * collector/logs/v1/logs_service.proto; field numbers and types as there). Field names are the
 * lowerCamelCase ones of the OTLP/JSON encoding, so a decoded protobuf body and a JSON body read
 * the same way. google.rpc.Status is the error body the OTLP/HTTP spec asks for.
 */
const COMMON = {
  AnyValue: {
    oneofs: {value: {oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue', 'stringValueStrindex']}},
    fields: {
      stringValue: {type: 'string', id: 1},
      boolValue: {type: 'bool', id: 2},
      intValue: {type: 'int64', id: 3},
      doubleValue: {type: 'double', id: 4},
      arrayValue: {type: 'ArrayValue', id: 5},
      kvlistValue: {type: 'KeyValueList', id: 6},
      bytesValue: {type: 'bytes', id: 7},
      stringValueStrindex: {type: 'int32', id: 8},
    },
  },
  ArrayValue: {fields: {values: {rule: 'repeated', type: 'AnyValue', id: 1}}},
  KeyValueList: {fields: {values: {rule: 'repeated', type: 'KeyValue', id: 1}}},
  KeyValue: {
    fields: {key: {type: 'string', id: 1}, value: {type: 'AnyValue', id: 2}, keyStrindex: {type: 'int32', id: 3}},
  },
  InstrumentationScope: {
    fields: {
      name: {type: 'string', id: 1},
      version: {type: 'string', id: 2},
      attributes: {rule: 'repeated', type: 'KeyValue', id: 3},
      droppedAttributesCount: {type: 'uint32', id: 4},
    },
  },
}

const RESOURCE = {
  Resource: {
    fields: {
      attributes: {rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 1},
      droppedAttributesCount: {type: 'uint32', id: 2},
    },
  },
}

const LOGS = {
  ResourceLogs: {
    fields: {
      resource: {type: 'opentelemetry.proto.resource.v1.Resource', id: 1},
      scopeLogs: {rule: 'repeated', type: 'ScopeLogs', id: 2},
      schemaUrl: {type: 'string', id: 3},
    },
  },
  ScopeLogs: {
    fields: {
      scope: {type: 'opentelemetry.proto.common.v1.InstrumentationScope', id: 1},
      logRecords: {rule: 'repeated', type: 'LogRecord', id: 2},
      schemaUrl: {type: 'string', id: 3},
    },
  },
  LogRecord: {
    fields: {
      timeUnixNano: {type: 'fixed64', id: 1},
      observedTimeUnixNano: {type: 'fixed64', id: 11},
      severityNumber: {type: 'int32', id: 2},
      severityText: {type: 'string', id: 3},
      body: {type: 'opentelemetry.proto.common.v1.AnyValue', id: 5},
      attributes: {rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 6},
      droppedAttributesCount: {type: 'uint32', id: 7},
      flags: {type: 'fixed32', id: 8},
      traceId: {type: 'bytes', id: 9},
      spanId: {type: 'bytes', id: 10},
      eventName: {type: 'string', id: 12},
    },
  },
}

const SERVICE = {
  ExportLogsServiceRequest: {
    fields: {resourceLogs: {rule: 'repeated', type: 'opentelemetry.proto.logs.v1.ResourceLogs', id: 1}},
  },
  ExportLogsServiceResponse: {fields: {partialSuccess: {type: 'ExportLogsPartialSuccess', id: 1}}},
  ExportLogsPartialSuccess: {
    fields: {rejectedLogRecords: {type: 'int64', id: 1}, errorMessage: {type: 'string', id: 2}},
  },
}

const STATUS = {
  Status: {fields: {code: {type: 'int32', id: 1}, message: {type: 'string', id: 2}}},
}

const v1 = (nested: object) => ({nested: {v1: {nested}}})

export const OTLP_LOGS_DESCRIPTOR = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: v1(COMMON),
            resource: v1(RESOURCE),
            logs: v1(LOGS),
            collector: {nested: {logs: v1(SERVICE)}},
          },
        },
      },
    },
    google: {nested: {rpc: {nested: STATUS}}},
  },
}

const root = protobuf.Root.fromJSON(OTLP_LOGS_DESCRIPTOR as protobuf.INamespace)

export const ExportLogsServiceRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
export const ExportLogsServiceResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse')
export const RpcStatus = root.lookupType('google.rpc.Status')

/** Options for Type.toObject: 64-bit numbers as decimal strings, bytes as base64, as in OTLP/JSON. */
export const TO_OBJECT = {longs: String, bytes: String, defaults: false, arrays: true} as const
