// Logs to stdout. For machines (a pipe, a file, a log shipper, or LOG_FORMAT=json): structured
// JSON lines, written asynchronously (pino flushes what is buffered when the process exits), so
// a log line never blocks the request that wrote it. For a person at a terminal (stdout is a
// TTY, or LOG_FORMAT=pretty): one coloured line per event through pino-pretty, in this process
// and written synchronously, so nothing is lost when Ctrl-C ends it. Secrets never reach a line.
import { pino, type Logger, type LoggerOptions } from 'pino';
import { prettyStream } from './pretty.ts';

export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  'authSecret',
  '*.authSecret',
  'fairnessSecret',
  '*.fairnessSecret',
];

/** LOG_FORMAT: `auto` (the default) is pretty on a terminal and JSON anywhere else. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'colorbet' } };
}

/** Whether lines are printed for a person (pretty) or for a machine (JSON). */
export function prettyLogs(format: LogFormat, isTTY = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY);
}

export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  if (prettyLogs(format)) return pino(loggerOptions(level), prettyStream());
  return pino(loggerOptions(level), pino.destination({ dest: 1, sync: false }));
}

export { prettyStream };
export type { Logger };
