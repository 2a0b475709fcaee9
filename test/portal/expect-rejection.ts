import { expect } from 'vitest';
import { isLanyardError } from '../../core/errors.ts';

/** Awaits `promise` and asserts it rejects with the LanyardError `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  expect(caught, `expected ${code}`).toBeInstanceOf(Error);
  expect(isLanyardError(caught) ? caught.code : String(caught)).toBe(code);
}
