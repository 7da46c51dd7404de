/** Small readers and checks shared by the step definitions. Values come straight from the editor's JSON. */
import { templateFitsLimit, validateTemplate } from '../templates';
import type { DefinitionProblem } from '../workflow-definition/plan';

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * The first of `keys` holding non-blank text. The editor writes the same text under `message` or
 * `customMessage` depending on its version; the steps list `message` first (as the spec's example and
 * the activities do), validation checks every key present, and the activities should read the text
 * through this function with the step's key list so they send what was validated.
 */
export function readText(config: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const v = config[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

/** A count the editor saves as a number (older) or a numeric string (newer). Blank means unset. */
export function readPositiveInt(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  if (blank(v)) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Each of `keys` that is present must be text and a valid template. */
export function checkTemplates(config: Record<string, unknown>, keys: readonly string[], path: string): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const key of keys) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') {
      problems.push({ code: 'invalid_config', message: `${key} must be text`, path: `${path}.${key}` });
      continue;
    }
    problems.push(...validateTemplate(v, `${path}.${key}`));
  }
  return problems;
}

/** At least one of `keys` must hold non-blank text. */
export function requireText(config: Record<string, unknown>, keys: readonly string[], path: string, what: string): DefinitionProblem[] {
  if (readText(config, keys) !== undefined) return [];
  return [{ code: 'missing_config', message: `${what} is required (${keys.join(' or ')})`, path: `${path}.${keys[0] ?? ''}` }];
}

/** When present (and not blank), `key` must be a whole number between 1 and `max`. */
export function checkPositiveInt(config: Record<string, unknown>, key: string, path: string, max?: number): DefinitionProblem[] {
  const v = config[key];
  if (blank(v)) return [];
  const n = readPositiveInt(config, key);
  const range = max === undefined ? 'a whole number of at least 1' : `a whole number from 1 to ${max}`;
  if (n === undefined || (max !== undefined && n > max)) {
    return [{ code: 'invalid_config', message: `${key} must be ${range} (got ${JSON.stringify(v)})`, path: `${path}.${key}` }];
  }
  return [];
}

/** Every present text under `keys` must be able to fit `limit` characters. */
export function checkFits(config: Record<string, unknown>, keys: readonly string[], limit: number, path: string, code: string, what: string): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const key of keys) {
    const v = config[key];
    if (typeof v !== 'string') continue;
    const fit = templateFitsLimit(v, limit);
    if (!fit.ok) problems.push({ code, message: `${what} is ${fit.message}`, path: `${path}.${key}` });
  }
  return problems;
}
