/**
 * Message templates with the editor's square-bracket variables: `[first_name]`, `[last_name]`,
 * `[full_name]`, `[company]`, `[title]`, `[headline]`. The one renderer the activities use and the one
 * validator the campaign save uses, so a template that saves is a template that renders.
 *
 * A variable may carry a fallback after a `|`: `[first_name|there]` renders "there" when the lead has
 * no first name. `[first_name|]` (an empty fallback) says "leave it out", and the spaces around it
 * collapse. A variable without a fallback whose value is missing is an error at send time
 * (MissingTemplateVariableError): the step is skipped rather than sending "Hi from".
 *
 * What counts as a variable: a bracketed name that starts with a letter and holds only letters,
 * digits, `_`, `-` and spaces (at most 40 characters). Case, spaces and hyphens are normalised, so
 * `[First_Name]`, `[first name]` and `[FIRST-NAME]` are all `first_name`. Any such name we do not know
 * (`[firstname]`, `[sic]`) is an error rather than a blank: a typo must not send "Hi ," to a lead.
 * Other bracketed text (`[1]`, `[see: link]`) is not a variable and is left as written.
 */
import type { DefinitionProblem } from './workflow-definition/plan';

export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'full_name', 'company', 'title', 'headline'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export interface TemplateVariableUse {
  /** As written, brackets included: `[First_Name]`. */
  raw: string;
  /** Normalised name: `first_name`. */
  name: string;
  /** The variable when `name` is one we know. */
  variable?: TemplateVariable;
  /** The text after `|`, as written (may be empty); undefined when there is no `|`. */
  fallback?: string;
  /** Offset of `raw` in the text. */
  index: number;
}

/** A value may be missing on any lead: null, undefined or blank render as nothing. */
export interface TemplateLead {
  firstName?: string | null;
  lastName?: string | null;
  fullName?: string | null;
  company?: string | null;
  title?: string | null;
  headline?: string | null;
}

export class UnknownTemplateVariableError extends Error {
  constructor(readonly variable: string) {
    super(`unknown template variable ${variable}; known: ${TEMPLATE_VARIABLES.map((v) => `[${v}]`).join(' ')}`);
    this.name = 'UnknownTemplateVariableError';
  }
}

export class MissingTemplateVariableError extends Error {
  constructor(readonly variable: TemplateVariable) {
    super(`the lead has no ${variable} and [${variable}] has no fallback (write [${variable}|text] to give one)`);
    this.name = 'MissingTemplateVariableError';
  }
}

/** A name of at most 40 characters, then optionally `|` and a fallback of at most 200. */
const TOKEN = /\[([^[\]\n|]{1,40})(?:\|([^[\]\n]{0,200}))?\]/g;
const NAME = /^\s*[A-Za-z][A-Za-z0-9_\s-]*$/;
const isKnown = (name: string): name is TemplateVariable => (TEMPLATE_VARIABLES as readonly string[]).includes(name);

export function findTemplateVariables(text: string): TemplateVariableUse[] {
  const uses: TemplateVariableUse[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const inner = match[1] ?? '';
    if (!NAME.test(inner)) continue;
    const name = inner.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const fallback = match[2];
    uses.push({ raw: match[0], name, index: match.index, ...(isKnown(name) ? { variable: name } : {}), ...(fallback !== undefined ? { fallback } : {}) });
  }
  return uses;
}

/** One `unknown_template_variable` problem per unknown variable occurrence; `path` is where the text sits. */
export function validateTemplate(text: string, path?: string): DefinitionProblem[] {
  return findTemplateVariables(text)
    .filter((use) => !use.variable)
    .map((use) => ({
      code: 'unknown_template_variable',
      message: `unknown variable ${use.raw} at character ${use.index + 1}; use one of ${TEMPLATE_VARIABLES.map((v) => `[${v}]`).join(', ')}`,
      ...(path !== undefined ? { path } : {}),
    }));
}

function leadValues(lead: TemplateLead): Record<TemplateVariable, string> {
  const clean = (v: string | null | undefined): string => (typeof v === 'string' ? v.trim() : '');
  const first = clean(lead.firstName);
  const last = clean(lead.lastName);
  return {
    first_name: first,
    last_name: last,
    full_name: clean(lead.fullName) || [first, last].filter(Boolean).join(' '),
    company: clean(lead.company),
    title: clean(lead.title),
    headline: clean(lead.headline),
  };
}

type Piece = { text: string; emptyVariable: false } | { text: ''; emptyVariable: true };

const HSPACE_END = /[ \t]+$/;
const HSPACE_START = /^[ \t]+/;
const CLOSING_PUNCTUATION = new Set([',', '.', ';', ':', '!', '?', ')']);

/**
 * Replaces each variable with the lead's value. `full_name` falls back to first + last name.
 * A missing value takes the variable's fallback; without a fallback, MissingTemplateVariableError.
 *
 * An empty fallback (`[first_name|]`) renders as nothing, and the spaces around it
 * (around a run of such variables, like `[first_name|] [last_name|]`) collapse so no hole shows:
 * they become one space between two words, and disappear at the start or end of a line or before
 * closing punctuation (`, . ; : ! ? )`). So with no first name, "Hi [first_name|], thanks" renders
 * "Hi, thanks" and "Hi [first_name|]!" renders "Hi!". Punctuation the user wrote is kept
 * ("connecting, [first_name|]!" renders "connecting,!"), and nothing else in the text is touched.
 *
 * Throws UnknownTemplateVariableError on an unknown variable (validateTemplate refuses those at save),
 * MissingTemplateVariableError on a missing value without a fallback (the first one in the text).
 */
export function renderTemplate(text: string, lead: TemplateLead): string {
  const values = leadValues(lead);
  const pieces: Piece[] = [];
  let last = 0;
  for (const use of findTemplateVariables(text)) {
    if (!use.variable) throw new UnknownTemplateVariableError(use.raw);
    pieces.push({ text: text.slice(last, use.index), emptyVariable: false });
    const value = values[use.variable] || (use.fallback?.trim() ?? '');
    if (!values[use.variable] && use.fallback === undefined) throw new MissingTemplateVariableError(use.variable);
    pieces.push(value ? { text: value, emptyVariable: false } : { text: '', emptyVariable: true });
    last = use.index + use.raw.length;
  }
  pieces.push({ text: text.slice(last), emptyVariable: false });

  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (!piece.emptyVariable) {
      out += piece.text;
      continue;
    }
    // A run of empty variables separated only by spaces counts as one hole.
    let j = i + 1;
    for (;;) {
      const next = pieces[j];
      if (next?.emptyVariable) j++;
      else if (next && /^[ \t]*$/.test(next.text) && pieces[j + 1]?.emptyVariable) j += 2;
      else break;
    }
    const before = HSPACE_END.exec(out)?.[0] ?? '';
    out = out.slice(0, out.length - before.length);
    const following = pieces[j];
    let after = '';
    if (following && !following.emptyVariable) {
      after = HSPACE_START.exec(following.text)?.[0] ?? '';
      following.text = following.text.slice(after.length);
    }
    // The next character written, which may sit in a later piece (a value after a bare space).
    let nextChar = '';
    for (let k = j; k < pieces.length && nextChar === ''; k++) nextChar = pieces[k]!.text.charAt(0);
    const atLineStart = out === '' || out.endsWith('\n');
    const atLineEnd = nextChar === '' || nextChar === '\n' || nextChar === '\r';
    if (!atLineStart && !atLineEnd && !CLOSING_PUNCTUATION.has(nextChar) && (before || after)) out += ' ';
    i = j - 1;
  }
  return out;
}

/**
 * Length as LinkedIn's limits are checked here: UTF-16 code units (JavaScript's `length`). That counts
 * an emoji as 2, which can only make us stricter than a code-point count, never let through a note
 * LinkedIn then refuses for every lead.
 */
export const textLength = (text: string): number => text.length;

export type TemplateFit =
  | { ok: true; staticLength: number; /** characters left for the variables' values */ room: number }
  | { ok: false; staticLength: number; limit: number; message: string };

/**
 * Whether a template can fit `limit` characters. Its static part (the text with its variables removed)
 * is what every lead gets: when that alone is over the limit the message can never be sent as written
 * (only a lead with every value missing might squeeze in by the spaces that collapse), so it is refused
 * at save rather than failing at send time for every lead. Under the limit it may still overflow for a
 * lead with long values; the sender checks the rendered text.
 */
export function templateFitsLimit(text: string, limit: number): TemplateFit {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer (got ${limit})`);
  let staticText = '';
  let last = 0;
  for (const use of findTemplateVariables(text)) {
    if (!use.variable) continue; // unknown ones are refused by validateTemplate; here they are text
    staticText += text.slice(last, use.index);
    last = use.index + use.raw.length;
  }
  staticText += text.slice(last);
  const staticLength = textLength(staticText);
  if (staticLength > limit) {
    return {
      ok: false,
      staticLength,
      limit,
      message: `${staticLength} characters without its variables, over the ${limit}-character limit: it can never fit`,
    };
  }
  return { ok: true, staticLength, room: limit - staticLength };
}
