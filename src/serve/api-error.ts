/**
 * A request the API refuses, with the HTTP status and the message the client sees.
 * Answered in Polygon's error shape, `{ status: "ERROR", request_id, error }`
 * (`"NOT_FOUND"` for 404), by the app's error handler; anything else that fails is a
 * 500 whose message says nothing of the server's internals.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
