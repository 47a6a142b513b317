import pino, { type Logger } from 'pino'

export type { Logger }

/** One structured logger; modules take children. Personal data never goes in here. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'parcelwatch' },
    redact: { paths: ['*.password', '*.phone', '*.name', 'req.headers.cookie', 'req.headers.authorization'], remove: true },
  })
}
