import { describe, expect, it } from 'vitest';
import { LanyardError } from '../../core/errors.ts';
import { formErrorSummary, formRefusalOf, keptValue } from '../../portal/form-refusal.ts';

describe('a form refusal (portal/form-refusal.ts)', () => {
  const form = new Map([['csrf', 't0ken'], ['code', '123456'], ['password', 'hunter2'], ['clientSecret', 's3cret'], ['name', '<b>Ada</b>']]);

  it('is a 400, 409 or 422 LanyardError, with what was typed minus the token, the code and secrets', () => {
    const refusal = formRefusalOf(new LanyardError('DOMAIN_EXISTS', 'taken'), form)!;
    expect(refusal).toMatchObject({ code: 'DOMAIN_EXISTS', message: 'taken', status: 409 });
    expect([...refusal.values.keys()]).toEqual(['name']);
    expect(keptValue(refusal, 'name')).toBe('<b>Ada</b>');
    expect(keptValue(refusal, 'password')).toBe('');
    expect(keptValue(undefined, 'name')).toBe('');
    expect(formRefusalOf(new LanyardError('THRESHOLD_INVALID', 'bad'), form)?.status).toBe(400);
  });

  it('is not one for the policy, CSRF, a fault, or a thrown non-Lanyard error', () => {
    for (const code of ['ADMIN_FORBIDDEN', 'CSRF_TOKEN_INVALID', 'ADMIN_REAUTH_REQUIRED', 'CONFIG_INVALID'] as const) expect(formRefusalOf(new LanyardError(code, 'no'), form), code).toBeUndefined();
    expect(formRefusalOf(new Error('boom'), form)).toBeUndefined();
  });

  it('shows the summary escaped, announced and focused on load', () => {
    const shown = formErrorSummary(formRefusalOf(new LanyardError('DOMAIN_EXISTS', '<script>x</script>'), form), 'add-error');
    const summary = shown === '' ? '' : shown.html;
    expect(summary).toContain('id="add-error" tabindex="-1" autofocus');
    expect(summary).toContain('role="alert"');
    expect(summary).not.toContain('<script>');
    expect(formErrorSummary(undefined)).toBe('');
  });
});
