/** The logger a library user can inject (go-smtp-mock's `WithLogger` in spirit). */
import type { LogFn } from "../smtp/session.ts";

export interface Logger {
  info?(message: string): void;
  warning?(message: string): void;
  error?(message: string): void;
  debug?(message: string): void;
}

/** Adapts a {@link Logger} to the core's level-based log function. */
export function toLogFn(logger?: Logger): LogFn {
  if (!logger) return () => {};
  return (level, message) => {
    switch (level) {
      case "debug":
        return logger.debug?.(message);
      case "info":
      case "notice":
        return logger.info?.(message);
      case "warning":
        return logger.warning?.(message);
      default:
        return logger.error?.(message);
    }
  };
}
