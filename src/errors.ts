import type { Diagnostic } from './model.js';

/** An error meant for the user: printed as one readable message, exit code 1, never a stack trace. */
export class PortalformError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'PortalformError';
  }
}

/** Another run holds the state lock. */
export class LockHeldError extends PortalformError {}

/** A saved plan that no longer fits the state. */
export class StalePlanError extends PortalformError {}
