import type {Severity} from '../results.js'
import type {Remediation} from './schema.js'

/**
 * Known failure signatures: the table the offline explainer reasons from (and that prompts use
 * to name likely causes). A signature matches when its pattern occurs in a template or a sample
 * line of the incident.
 *
 * Order matters: when several match, the FIRST in this table is reported as the root cause and
 * the others as contributing factors. Specific, unambiguous signatures (disk full, OOM, kernel
 * faults) come before symptoms that usually follow them (timeouts, resets, generic exceptions).
 *
 * `severity` is the least severity this signature deserves on its own; the offline explainer
 * raises the detector's severity by at most one step towards it (see offline.ts).
 *
 * | id                   | matches (examples)                                             | floor    |
 * |----------------------|----------------------------------------------------------------|----------|
 * | disk_full            | No space left on device, ENOSPC, quota exceeded                | high     |
 * | out_of_memory        | OutOfMemoryError, oom-killer, Killed process, ENOMEM           | high     |
 * | segfault             | segfault, SIGSEGV, core dumped                                 | high     |
 * | kernel_hardware      | machine check, ECC/parity error, kernel panic, rts/ciod (BGL)  | high     |
 * | hdfs_replication     | under-replicated, NotReplicatedYet, missing/corrupt block      | medium   |
 * | hdfs_block_transfer  | receiveBlock/writeBlock exception, PacketResponder, DataXceiver| medium   |
 * | dns                  | UnknownHostException, NXDOMAIN, Name or service not known      | medium   |
 * | tls                  | certificate, x509, SSL/TLS handshake failure, PKIX             | medium   |
 * | auth_failure         | Failed password, invalid user, Auth fail, BREAK-IN ATTEMPT, 401| medium   |
 * | permission_denied    | Permission denied, EACCES, access denied, 403                  | medium   |
 * | database             | deadlock, lock wait timeout, too many connections, pool        | medium   |
 * | connection_refused   | Connection refused, ECONNREFUSED                               | medium   |
 * | connection_reset     | Connection reset, ECONNRESET, broken pipe                      | medium   |
 * | timeout              | timed out, SocketTimeoutException, deadline exceeded           | medium   |
 * | rate_limited         | rate limit, Too Many Requests, 429, throttled                  | low      |
 * | http_5xx             | status=5xx, Internal Server Error, Bad Gateway                 | medium   |
 * | process_restart      | exited with code, SIGKILL, CrashLoopBackOff, restarting        | medium   |
 * | exception            | Exception, Traceback, Java stack frames, panic:                | low      |
 */
export interface FailureSignature {
  id: string
  name: string
  pattern: RegExp
  severity: Severity
  /** The likely cause, phrased to follow "The incident matches <name>: ". */
  cause: string
  remediation: Remediation[]
}

export const FAILURE_SIGNATURES: readonly FailureSignature[] = [
  {
    id: 'disk_full',
    name: 'disk full',
    pattern: /no space left|disk (?:is )?full|ENOSPC|quota exceeded|DiskOutOfSpace|DiskErrorException/i,
    severity: 'high',
    cause: 'a volume ran out of space, so writes fail and dependent operations error out',
    remediation: [
      {action: 'Check free space and inodes on the affected hosts (df -h, df -i) and free or extend the full volume', priority: 'immediate'},
      {action: 'Rotate or delete old logs/temp files and confirm retention jobs run', priority: 'short_term'},
      {action: 'Alert on disk usage above 80% and plan capacity per volume', priority: 'long_term'},
    ],
  },
  {
    id: 'out_of_memory',
    name: 'out of memory',
    pattern: /out of memory|OutOfMemoryError|oom[-_ ]?kill|killed process|cannot allocate memory|ENOMEM|memory exhausted|GC overhead limit/i,
    severity: 'high',
    cause: 'a process exhausted its memory and was killed or failed allocations',
    remediation: [
      {action: 'Check the kernel log (dmesg) and container events for OOM kills on the affected hosts and restart the killed process', priority: 'immediate'},
      {action: 'Compare heap/RSS limits with actual usage and raise the limit or reduce load', priority: 'short_term'},
      {action: 'Profile memory growth (heap dumps) to find leaks; alert on memory near the limit', priority: 'long_term'},
    ],
  },
  {
    id: 'segfault',
    name: 'segmentation fault / core dump',
    pattern: /segfault|segmentation fault|SIGSEGV|core dump|dumped core|general protection fault/i,
    severity: 'high',
    cause: 'a native process crashed on an invalid memory access',
    remediation: [
      {action: 'Collect the core dump and the binary version from the crashing host; restart the process', priority: 'immediate'},
      {action: 'Check for a recent deploy or library upgrade on that host and roll back if it correlates', priority: 'short_term'},
      {action: 'Get a backtrace from the core (gdb) and file a bug with the owning team', priority: 'long_term'},
    ],
  },
  {
    id: 'kernel_hardware',
    name: 'kernel or hardware error',
    pattern: /machine check|\bMCE\b|\bECC\b|parity error|kernel panic|\bBUG: |hardware error|data TLB error|rts panic|kernel terminated|ciod: (?:failed|Error)|link card|ddr (?:error|failing)|alignment exception|program interrupt|torus .*error|fatal kernel/i,
    severity: 'high',
    cause: 'the node reported kernel or hardware faults (memory/cache parity, machine checks, interconnect)',
    remediation: [
      {action: 'Drain the affected node(s) from the scheduler so no new jobs land on them', priority: 'immediate'},
      {action: 'Run hardware diagnostics on the reported node/card and check whether errors are correctable or recurring', priority: 'short_term'},
      {action: 'Track error rates per node and replace parts that keep reporting corrected errors', priority: 'long_term'},
    ],
  },
  {
    id: 'hdfs_replication',
    name: 'HDFS block replication problem',
    pattern: /under.?replicat|NotReplicatedYet|PendingReplication|replicat\w* (?:fail|timed? ?out)|missing block|corrupt(?:ed)? block|Unexpected error trying to delete block|addStoredBlock request received for .* but it does not belong|invalidSet/i,
    severity: 'medium',
    cause: 'blocks are not reaching (or are being removed from) their target replicas, leaving data under-replicated',
    remediation: [
      {action: 'Run `hdfs fsck / -list-corruptfileblocks` and `hdfs dfsadmin -report` to find missing or under-replicated blocks and dead DataNodes', priority: 'immediate'},
      {action: 'Check the DataNodes named in the incident for disk or network errors and restart unhealthy ones', priority: 'short_term'},
      {action: 'Alert on under-replicated block count and review the replication factor for the affected paths', priority: 'long_term'},
    ],
  },
  {
    id: 'hdfs_block_transfer',
    name: 'HDFS block transfer failure',
    pattern: /Exception in receiveBlock|receiveBlock .*(?:exception|interrupt)|writeBlock .*(?:exception|interrupt)|PacketResponder .*(?:exception|interrupt)|Got exception while serving|transferBlock .*(?:exception|fail)|Broken pipe.*blk_/i,
    severity: 'medium',
    cause: 'block transfers between a client and DataNodes (or between DataNodes in the write pipeline) failed mid-stream',
    remediation: [
      {action: 'Identify the DataNode addresses in the cited lines and check their health (dfsadmin -report, DataNode logs)', priority: 'immediate'},
      {action: 'Check network errors and dfs.datanode.max.transfer.threads / xceiver limits on those DataNodes', priority: 'short_term'},
      {action: 'Watch pipeline-recovery and block-transfer error rates per DataNode', priority: 'long_term'},
    ],
  },
  {
    id: 'dns',
    name: 'DNS resolution failure',
    pattern: /UnknownHostException|Name or service not known|NXDOMAIN|name resolution|could not resolve|(?<!reverse mapping checking )getaddrinfo|ENOTFOUND|no such host/i,
    severity: 'medium',
    cause: 'host names could not be resolved, so connections never started',
    remediation: [
      {action: 'Resolve the failing host name from the affected machine (dig/nslookup) and check /etc/resolv.conf', priority: 'immediate'},
      {action: 'Check the DNS servers and any recent record or service-discovery change', priority: 'short_term'},
      {action: 'Add DNS resolution checks to monitoring; cache lookups where the client allows it', priority: 'long_term'},
    ],
  },
  {
    id: 'tls',
    name: 'TLS / certificate failure',
    pattern: /certificate|x509|\bSSL\b.*(?:error|fail|alert)|\bTLS\b.*(?:error|fail|alert)|handshake fail|PKIX|CERT_/i,
    severity: 'medium',
    cause: 'TLS handshakes failed (expired, untrusted or mismatched certificates)',
    remediation: [
      {action: 'Inspect the presented certificate (openssl s_client -connect host:port) for expiry, chain and hostname', priority: 'immediate'},
      {action: 'Renew or redeploy the certificate and update trust stores on the clients', priority: 'short_term'},
      {action: 'Alert on certificate expiry at least 14 days ahead and automate renewal', priority: 'long_term'},
    ],
  },
  {
    id: 'auth_failure',
    name: 'authentication failures',
    pattern: /authentication fail|auth(?:entication)? fail(?:ure|ed)?\b|possible break-in attempt|invalid user|illegal user|failed password|failed publickey|incorrect password|invalid credentials|login failed|unauthori[sz]ed|\b401\b|maximum authentication attempts/i,
    severity: 'medium',
    cause: 'repeated failed logins or rejected credentials (a misconfigured client, expired credentials, or a brute-force attempt)',
    remediation: [
      {action: 'List the source addresses and accounts behind the failed logins; block abusive sources (fail2ban/firewall) if it is a brute-force pattern', priority: 'immediate'},
      {action: 'If the failures come from an internal client, rotate or fix its credentials', priority: 'short_term'},
      {action: 'Disable password logins where keys suffice and alert on failed-login bursts', priority: 'long_term'},
    ],
  },
  {
    id: 'permission_denied',
    name: 'permission denied',
    pattern: /permission denied|EACCES|EPERM|access denied|forbidden|not permitted|\b403\b|AccessControlException/i,
    severity: 'medium',
    cause: 'a process lacks the file-system or API permissions it needs',
    remediation: [
      {action: 'Check ownership and mode of the path or the role/ACL of the principal named in the cited lines', priority: 'immediate'},
      {action: 'Find the change (deploy, ACL, user) that removed the permission and restore it', priority: 'short_term'},
      {action: 'Manage permissions as code and test them in the deploy pipeline', priority: 'long_term'},
    ],
  },
  {
    id: 'database',
    name: 'database contention or exhaustion',
    pattern: /deadlock|lock wait timeout|too many connections|connection pool (?:exhausted|timeout)|could not obtain (?:a )?connection|SQLException|duplicate key|could not serialize/i,
    severity: 'medium',
    cause: 'the database rejected or stalled queries (lock contention or connection exhaustion)',
    remediation: [
      {action: 'Check active connections and lock waits on the database (e.g. pg_stat_activity / SHOW PROCESSLIST)', priority: 'immediate'},
      {action: 'Size the connection pool against the database limit and find the slow or locking queries', priority: 'short_term'},
      {action: 'Add query timeouts and alerting on pool saturation', priority: 'long_term'},
    ],
  },
  {
    id: 'connection_refused',
    name: 'connection refused',
    pattern: /connection refused|ECONNREFUSED/i,
    severity: 'medium',
    cause: 'the target service was not listening (down, restarting, or on another port)',
    remediation: [
      {action: 'Check whether the target service named in the cited lines is up and listening on the expected port (ss -ltnp, health endpoint)', priority: 'immediate'},
      {action: 'Look for a crash, deploy or restart of that service at the start of the incident time range', priority: 'short_term'},
      {action: 'Add retries with backoff and a health check before routing traffic to the service', priority: 'long_term'},
    ],
  },
  {
    id: 'connection_reset',
    name: 'connection reset',
    pattern: /connection reset|ECONNRESET|broken pipe|EPIPE|reset by peer|connection (?:closed|aborted) by/i,
    severity: 'medium',
    cause: 'peers dropped established connections (peer crash, proxy/load-balancer idle timeout, or network fault)',
    remediation: [
      {action: 'Check the peer named in the cited lines for restarts or crashes at the incident time', priority: 'immediate'},
      {action: 'Compare client keep-alive with proxy/load-balancer idle timeouts on that path', priority: 'short_term'},
      {action: 'Make the client retry idempotent requests on reset', priority: 'long_term'},
    ],
  },
  {
    id: 'timeout',
    name: 'timeouts',
    pattern: /timed? ?out|timeout|ETIMEDOUT|deadline exceeded|SocketTimeoutException/i,
    severity: 'medium',
    cause: 'calls waited longer than their deadline (a slow or overloaded dependency, or packet loss)',
    remediation: [
      {action: 'Check latency and saturation of the dependency the timing-out calls go to during the incident time range', priority: 'immediate'},
      {action: 'Compare the configured timeout with the dependency p99 latency; look for retry storms', priority: 'short_term'},
      {action: 'Add deadline propagation and circuit breaking on that dependency', priority: 'long_term'},
    ],
  },
  {
    id: 'rate_limited',
    name: 'rate limiting',
    pattern: /rate.?limit|too many requests|\b429\b|throttl/i,
    severity: 'low',
    cause: 'a dependency is throttling requests',
    remediation: [
      {action: 'Identify the client producing the burst and slow it down', priority: 'immediate'},
      {action: 'Honour retry-after and add client-side backoff', priority: 'short_term'},
      {action: 'Request a higher quota or smooth traffic with a queue', priority: 'long_term'},
    ],
  },
  {
    id: 'http_5xx',
    name: 'HTTP 5xx errors',
    pattern: /(?:status|code)["']?\s*[=:]\s*5\d\d\b|"\s5\d\d\s|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout/i,
    severity: 'medium',
    cause: 'the service answered requests with server errors',
    remediation: [
      {action: 'Find the endpoint and upstream behind the 5xx responses in the cited lines and check its error logs', priority: 'immediate'},
      {action: 'Correlate the start of the incident with deploys or config changes of that service', priority: 'short_term'},
      {action: 'Alert on 5xx ratio per endpoint', priority: 'long_term'},
    ],
  },
  {
    id: 'process_restart',
    name: 'process crash or restart',
    pattern: /exited with (?:code|status)|SIGKILL|SIGTERM|CrashLoopBackOff|restarting|terminated unexpectedly|main process exited|respawn/i,
    severity: 'medium',
    cause: 'a process exited and was restarted',
    remediation: [
      {action: 'Read the last lines the process logged before exiting and its exit code', priority: 'immediate'},
      {action: 'Check restart counts and whether the restarts line up with a deploy or resource limit', priority: 'short_term'},
      {action: 'Alert on restart loops', priority: 'long_term'},
    ],
  },
  {
    id: 'exception',
    name: 'unhandled exceptions',
    pattern: /\w+(?:Exception|Error)\b|Traceback \(most recent call last\)|\bat [\w.$]+\([\w$]+\.java:\d+\)|\bpanic:/,
    severity: 'low',
    cause: 'the application raised exceptions',
    remediation: [
      {action: 'Find the first exception in the cited lines and the code path it points to', priority: 'immediate'},
      {action: 'Check whether the exception started with a recent deploy', priority: 'short_term'},
      {action: 'Handle or surface the exception with context so it is actionable next time', priority: 'long_term'},
    ],
  },
]

export interface SignatureMatch {
  signature: FailureSignature
  /** Template ids whose text matches. */
  templateIds: string[]
  /** Line numbers of matching sample lines. */
  lines: number[]
  /** Occurrences in the incident: sum of matching template counts (or matching lines if none). */
  occurrences: number
}

/** Signatures matching an incident's templates and sample lines, in table (priority) order. */
export function matchSignatures(
  templates: ReadonlyArray<{id: string; template: string; count: number}>,
  lines: ReadonlyArray<{line: number; text: string}>,
): SignatureMatch[] {
  const matches: SignatureMatch[] = []
  for (const signature of FAILURE_SIGNATURES) {
    const templateIds: string[] = []
    let occurrences = 0
    for (const template of templates) {
      if (signature.pattern.test(template.template)) {
        templateIds.push(template.id)
        occurrences += template.count
      }
    }
    const matchedLines = lines.filter((line) => signature.pattern.test(line.text)).map((line) => line.line)
    if (templateIds.length === 0 && matchedLines.length === 0) continue
    matches.push({signature, templateIds, lines: matchedLines, occurrences: occurrences || matchedLines.length})
  }
  return matches
}
