import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

/**
 * A safety net, not the policy (the policy: log ids and counts, never people).
 * Person fields at the top level and one or two levels down, whole sender /
 * recipient objects, and a PostgreSQL error's `detail`, which quotes the failing
 * row ("Failing row contains (PW…, 王小明, 13911112222, …)").
 */
const PERSON_FIELDS = [
  'name',
  'phone',
  'address',
  'signer',
  'recipient',
  'sender',
  'recipientName',
  'recipientPhone',
  'recipientAddress',
  'senderName',
  'senderPhone',
  'senderAddress',
  'recipient_name',
  'recipient_phone',
  'recipient_phone_last4',
  'recipient_address',
  'sender_name',
  'sender_phone',
  'sender_address',
]
export const REDACT_PATHS = [
  'password',
  '*.password',
  'req.headers.cookie',
  'req.headers.authorization',
  ...PERSON_FIELDS,
  ...PERSON_FIELDS.map((f) => `*.${f}`),
  ...PERSON_FIELDS.map((f) => `*.*.${f}`),
  'err.detail',
  '*.err.detail',
  'err.parameters',
]

/**
 * One structured logger; modules take children. Personal data never goes in here.
 * `destination` defaults to stdout: JSON lines, except on a terminal, where a person
 * reads it: one coloured line per message (time, level, message, then its fields),
 * written synchronously so that nothing is lost at exit. LOG_FORMAT=json or pretty
 * (config) overrides the choice. Tests pass a stream to read what would be logged.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: 'auto' | 'json' | 'pretty' = 'auto',
): Logger {
  const options = {
    level,
    base: { service: 'parcelwatch' },
    redact: { paths: REDACT_PATHS, remove: true },
  }
  if (destination) return pino(options, destination)
  const human = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true)
  if (!human) return pino(options)
  return pino(
    options,
    pretty({
      colorize: process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service',
      singleLine: true,
    }),
  )
}
