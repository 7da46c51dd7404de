import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may carry a secret anywhere in a log line; pino replaces them before writing. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["unipile-auth"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.accessToken',
  '*.token',
  '*.secret',
  '*.password',
  '*.key',
  '*.cert',
  '*.signingSecret',
  '*.signing_secret',
];

export function createLogger(opts: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
