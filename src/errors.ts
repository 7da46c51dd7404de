/**
 * One error hierarchy for everything a caller of the product can get wrong. Each error has a stable
 * `code` (documented in docs/errors.md, kept in sync by a test) and the HTTP status it maps to.
 * The HTTP error handler renders `{ error: { code, message, details? } }`; no stack, no secret.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 400, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'a valid API key is required (Authorization: Bearer <key>)') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 403);
  }
}

/** Also what another organization's ids get: 404, never a hint that they exist. */
export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super(`${what}_not_found`, id ? `${what.replace(/_/g, ' ')} ${id} not found` : `${what.replace(/_/g, ' ')} not found`, 404);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 409, details);
  }
}

/** The request is well-formed but the resource's state forbids it (empty lead list, disconnected account...). */
export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 422, details);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 503);
  }
}
