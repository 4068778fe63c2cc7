import type { TSchema, Static } from 'typebox';
import { Compile } from 'typebox/compile';

export interface SchemaIssue {
  /** JSON pointer of the offending value, '' for the root. */
  path: string;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

/** A compiled validator for one schema; build it once per schema and reuse it on the hot path. */
export interface Validator<S extends TSchema> {
  check(value: unknown): Checked<Static<S>>;
}

export function compileValidator<S extends TSchema>(schema: S): Validator<S> {
  const compiled = Compile(schema);
  return {
    check(value) {
      if (compiled.Check(value)) return { ok: true, value: value as Static<S> };
      const issues = [...compiled.Errors(value)].slice(0, 20).map((e) => ({
        path: e.instancePath,
        message: describeIssue(e.keyword, e.message, e.params),
      }));
      return { ok: false, issues };
    },
  };
}

function describeIssue(keyword: string, message: string, params: unknown): string {
  // `additionalProperties: false` reports each extra key as a `false` schema at the key's own path.
  if (keyword === 'boolean' && message === 'schema is false') return 'is not an allowed key here';
  if (keyword === 'additionalProperties' && params && typeof params === 'object' && 'additionalProperties' in params) {
    const extra = (params as { additionalProperties: unknown }).additionalProperties;
    if (Array.isArray(extra)) return `unknown key(s): ${extra.join(', ')}`;
  }
  return message;
}

/** `/cameras/0/rules/1/classes` → `cameras[0].rules[1].classes`: the key-path form config and rule problems are named in. */
export function pointerToKeyPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** One line naming each offending path, for error messages and acks. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
}
