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

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) { super(400, 'bad_request', message, details) }
}
export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in first') { super(401, 'unauthenticated', message) }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Your role may not do this') { super(403, 'forbidden', message) }
}
export class NotFoundError extends AppError {
  constructor(message: string) { super(404, 'not_found', message) }
}
export class ConflictError extends AppError {
  constructor(message: string) { super(409, 'conflict', message) }
}
export class UnavailableError extends AppError {
  constructor(message: string) { super(503, 'unavailable', message) }
}
