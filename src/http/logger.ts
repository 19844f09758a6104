/**
 * Structured JSON logs: one line per event with a level, a short lowercase message and fields.
 * Callers pass only what is safe to keep: never a token, key, session URL or authorization header.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    const line = JSON.stringify({
      level,
      time: new Date().toISOString(),
      message,
      ...base,
      ...fields,
    });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.info(line);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    with: (fields) => createLogger({ ...base, ...fields }),
  };
}

/** The loggable parts of an unknown error: its name, message and cause, never the raw object. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return {
      errorName: error.name,
      errorMessage: error.message,
      stack: error.stack,
      cause: error.cause instanceof Error ? error.cause.message : undefined,
    };
  }
  return { errorMessage: String(error) };
}
