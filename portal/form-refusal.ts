import type { Context } from 'koa';
import { isLanyardError } from '../core/errors.ts';
import { html, type SafeHtml } from '../core/pages/html.ts';

/**
 * A form's refusal shown on the form itself: the service refused what was typed (a LanyardError
 * 400, 409 or 422: a field out of range, a name taken, no seat left…), so the page answers the form
 * again with the refusal above it, the typed values kept (never a secret) and the refusal's status.
 * Anything else (policy, CSRF, a fault) goes on to the error page as before.
 */
export interface FormRefusal {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  /** What was typed, to fill the form again: without the CSRF token, the authenticator code or a secret. */
  readonly values: ReadonlyMap<string, string>;
}

const refusalStatuses: ReadonlySet<number> = new Set([400, 409, 422]);
/**
 * Never typed back into a page: the CSRF token comes from the session, a TOTP code is single-use,
 * and a secret (a password, an app registration's client secret) is never echoed into HTML.
 */
const neverKept: ReadonlySet<string> = new Set(['csrf', 'code', 'password', 'clientSecret']);

/** The refusal in `error`, when it is one of what the form asked; undefined otherwise. */
export function formRefusalOf(error: unknown, form: ReadonlyMap<string, string>): FormRefusal | undefined {
  if (!isLanyardError(error) || !error.expose || !refusalStatuses.has(error.status)) return undefined;
  const values = new Map([...form].filter(([name]) => !neverKept.has(name)));
  return { code: error.code, message: error.message, status: error.status, values };
}

/**
 * Runs a page's form action; on a refusal of what was typed, `showForm` renders the form again
 * with it (formErrorSummary at its top) and the answer keeps the refusal's status. A client that
 * asks for JSON rather than HTML gets the error answer instead, as from any other route.
 *
 * @example
 *   await withFormRefusal(ctx, form, () => addThing(form.get('name')), (refusal) => render(ctx, { refusal }));
 */
export async function withFormRefusal(
  ctx: Context,
  form: ReadonlyMap<string, string>,
  run: () => Promise<void>,
  showForm: (refusal: FormRefusal) => Promise<void> | void,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    const refusal = formRefusalOf(error, form);
    // A script posting the form for JSON gets the error answer (core/http/error-handler.ts) as before.
    if (!refusal || ctx.accepts('html', 'json') !== 'html') throw error;
    await showForm(refusal);
    ctx.status = refusal.status;
  }
}

/**
 * The error summary at the top of a refused form: announced (role=alert) and focused when the page
 * loads (autofocus on a tabindex=-1 box, no script needed), so keyboard and screen-reader users
 * land on it and continue into the form from there.
 */
export function formErrorSummary(refusal: FormRefusal | undefined, id = 'form-error'): SafeHtml | '' {
  if (!refusal) return '';
  return html`<div class="error" role="alert" id="${id}" tabindex="-1" autofocus><strong>The form was not accepted</strong><br>${refusal.message} <code>${refusal.code}</code></div>`;
}

/** The typed value of `name` to put back in its field, when the form was refused. */
export function keptValue(refusal: FormRefusal | undefined, name: string): string {
  return refusal?.values.get(name) ?? '';
}
