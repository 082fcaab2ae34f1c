/**
 * An error whose message is meant for the user as it is: one line, says what is wrong and, where it can, what to do.
 * Anything else that escapes is a bug and is reported with its stack.
 */
export class MlopsError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable kind, e.g. `not-found`, `invalid-input`, `corrupt`, `newer-format`. */
    readonly kind: MlopsErrorKind = 'invalid-input',
  ) {
    super(message);
    this.name = 'MlopsError';
  }
}

export type MlopsErrorKind = 'invalid-input' | 'not-found' | 'no-store' | 'corrupt' | 'newer-format' | 'conflict' | 'cancelled' | 'io';

export function isMlopsError(e: unknown): e is MlopsError {
  return e instanceof MlopsError;
}

/** Message of any thrown value, without a stack. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) { return e.message; }
  return String(e);
}
