// Structured JSON logs (pino) to stdout, written asynchronously (pino flushes what is buffered
// when the process exits), so a log line never blocks the request that wrote it. Secrets never
// reach a log line.
import { pino, type Logger, type LoggerOptions } from 'pino';

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

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'colorbet' } };
}

export function createLogger(level: string): Logger {
  return pino(loggerOptions(level), pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
