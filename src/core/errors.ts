/** An error a user can act on: `message` says what happened and what to do, in one sentence. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A broken invariant inside the engine — a shape mismatch between internal tensors, a call out of order, an
 * impossible state: a bug, not something the user typed or supplied. Not a UserError, so its stack is shown
 * (the CLI prints only the message of a UserError).
 */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** Throws a UserError unless every value is finite (NaN/Inf guard at boundaries). */
export function assertFinite(xs: ArrayLike<number>, what: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new UserError(`${what} contains a non-finite value at index ${i} (${xs[i]}).`);
  }
}
