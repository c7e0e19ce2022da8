/**
 * Typed errors. Each carries the exit code the CLI returns and a hint a person can act on.
 * Expected outcomes (a quarantined line, residual drift, a manual plan item) are values, not errors:
 * throw only when a precondition is broken.
 */

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  driftRemains: 3,
  paused: 75,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ReconcileError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, exitCode: ExitCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      exitCode: this.exitCode,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Wrong command line: unknown option, missing argument, a state that forbids the command. Exit 2. */
export class UsageError extends ReconcileError {
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'USAGE', EXIT.usage, message, options);
  }
}

/** Bad input file or value; names the file and line when there is one. Exit 2. */
export class InputError extends ReconcileError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(
    message: string,
    options: ErrorOptions & { code?: string; file?: string; line?: number } = {},
  ) {
    super(options.code ?? 'INPUT_INVALID', EXIT.usage, message, options);
    this.file = options.file;
    this.line = options.line;
  }
}

/** Invalid configuration or credentials; names the JSON path or variable. Exit 2. */
export class ConfigError extends ReconcileError {
  readonly path: string | undefined;
  constructor(message: string, options: ErrorOptions & { code?: string; path?: string } = {}) {
    super(options.code ?? 'CONFIG_INVALID', EXIT.usage, message, options);
    this.path = options.path;
  }
}

/** Salesforce refused or failed a call in a way that is not a pause. Exit 1. */
export class SalesforceError extends ReconcileError {
  readonly sfErrorCode: string | undefined;
  constructor(message: string, options: ErrorOptions & { code?: string; sfErrorCode?: string } = {}) {
    super(options.code ?? 'SALESFORCE_ERROR', EXIT.failure, message, options);
    this.sfErrorCode = options.sfErrorCode;
  }
}

/** The job stopped cleanly and can be resumed by running the same command again. Exit 75. */
export class PausedError extends ReconcileError {
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'PAUSED', EXIT.paused, message, {
      hint: 'run the same command again to resume',
      ...options,
    });
  }
}

/** A bug: something that should never happen. Exit 1. */
export class InternalError extends ReconcileError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('INTERNAL', EXIT.failure, message, {
      hint: 'this is a bug in sf-reconcile: please report it with the command you ran (add --debug for the stack)',
      ...options,
    });
  }
}

const SECRET_PATTERNS: RegExp[] = [
  // OAuth access tokens look like 00D...!AQ... ; bearer headers; password= / token= pairs in URLs and forms.
  /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+/g,
  /(Bearer\s+)[A-Za-z0-9._!-]+/gi,
  /((?:access_token|refresh_token|client_secret|password|oauth_token|sessionId)["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi,
];

/** Removes anything that looks like a token or password. Applied once, where errors and logs leave the process. */
export function redactSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return out;
}
