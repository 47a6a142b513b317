/** One small hierarchy: a code for machines, a message for people, an HTTP status. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/**
 * A field at fault in a 400: `field` is its path in the body or query ('' for the
 * body itself), `message` the rule it broke in English, `issue` a stable name of
 * that rule (too_big, too_small, invalid_type, …), `origin` what was bounded (string,
 * array, number) and `limit` its bound when it has
 * one, so a client can say "描述最多 4000 字" without parsing the English.
 */
export interface FieldProblem {
  field: string
  message: string
  issue?: string
  origin?: string
  limit?: number
}

/**
 * Stable codes a client may translate (web/src/errors.ts renders them in Chinese or
 * English); any other error keeps its generic code (bad_request, not_found, conflict…).
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'invalid_credentials'
  | 'too_many_attempts'
  | 'claim_exists'
  | 'shipment_not_found'
  | 'unknown_waybill'
  | 'invalid_transition'

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown, code: ErrorCode = 'bad_request') {
    super(400, code, message, details)
  }
}
export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in first') {
    super(401, 'unauthenticated', message)
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Your role may not do this') {
    super(403, 'forbidden', message)
  }
}
export class NotFoundError extends AppError {
  constructor(message: string, code: ErrorCode = 'not_found') {
    super(404, code, message)
  }
}
export class ConflictError extends AppError {
  constructor(message: string, code: ErrorCode = 'conflict') {
    super(409, code, message)
  }
}
export class UnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'unavailable', message)
  }
}
