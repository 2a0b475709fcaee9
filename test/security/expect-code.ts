import { expect } from 'vitest';
import { isLanyardError } from '../../core/errors.ts';

/** Runs `action` and asserts it fails with the LanyardError `code` (codes are the contract, not messages). */
export function expectLanyardCode(action: () => unknown, code: string): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(Error);
  expect(isLanyardError(caught) ? caught.code : String(caught)).toBe(code);
}
