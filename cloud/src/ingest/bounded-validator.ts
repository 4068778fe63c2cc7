import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { compileValidator, type SchemaIssue, type Validator } from '../../../protocol/index.js';

/** The parts of a JSON schema the pre-check reads. */
interface SizedSchema {
  maxItems?: unknown;
  maxProperties?: unknown;
  items?: unknown;
  properties?: Record<string, unknown>;
  patternProperties?: Record<string, unknown>;
  additionalProperties?: unknown;
}

/** Unknown keys beyond which an object is refused without listing them one by one. */
const EXTRA_KEYS_LISTED = 32;
/** Oversized parts reported before the scan stops. */
const MAX_ISSUES = 5;

/** Reports, into `out`, the parts of `value` larger than the schema allows or with foreign keys. */
type SizeCheck = (value: unknown, path: string, out: SchemaIssue[]) => void;

function countKeys(value: object): number {
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key)) n++;
  return n;
}

/**
 * Compiles, once per schema, a walk that finds arrays and objects larger than the schema allows, and
 * keys of a record (`patternProperties`) that match none of its patterns. JSON Schema lets such keys
 * through unless `additionalProperties` says otherwise, so a map of rule attributes would accept
 * `__proto__` or any other name; the protocol means its patterns as the only keys. The walk goes only
 * where the schema leads, so its cost is bounded by the schema, not by the value, and it is undefined
 * where the schema sets no limit at all.
 */
function compileSizeCheck(schema: unknown): SizeCheck | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const s = schema as SizedSchema;
  const maxItems = typeof s.maxItems === 'number' ? s.maxItems : undefined;
  const items = s.items && typeof s.items === 'object' && !Array.isArray(s.items) ? compileSizeCheck(s.items) : undefined;
  const props = Object.entries(s.properties ?? {})
    .map(([key, child]) => [key, compileSizeCheck(child)] as const)
    .filter((p): p is readonly [string, SizeCheck] => p[1] !== undefined);
  const defined = Object.keys(s.properties ?? {}).length;
  const maxKeys =
    typeof s.maxProperties === 'number'
      ? s.maxProperties
      : s.properties && s.additionalProperties === false
        ? defined + EXTRA_KEYS_LISTED
        : undefined;
  const tooMany = (n: number): string =>
    typeof s.maxProperties === 'number' ? `must have at most ${s.maxProperties} keys, has ${n}` : `has ${n} keys, only ${defined} are defined`;
  const keyPatterns =
    s.patternProperties && s.additionalProperties === undefined
      ? Object.keys(s.patternProperties).map((p) => new RegExp(p))
      : undefined;
  if (maxItems === undefined && items === undefined && props.length === 0 && maxKeys === undefined && !keyPatterns) {
    return undefined;
  }

  return (value, path, out) => {
    if (out.length >= MAX_ISSUES || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (maxItems !== undefined && value.length > maxItems) {
        out.push({ path, message: `must have at most ${maxItems} items, has ${value.length}` });
      } else if (items) {
        for (let i = 0; i < value.length; i++) items(value[i], `${path}/${i}`, out);
      }
      return;
    }
    if (maxKeys !== undefined) {
      const n = countKeys(value);
      if (n > maxKeys) {
        out.push({ path, message: tooMany(n) });
        return;
      }
    }
    if (keyPatterns) {
      for (const key of Object.keys(value)) {
        if (!keyPatterns.some((p) => p.test(key))) {
          out.push({ path, message: `key ${JSON.stringify(key)} is not an allowed name` });
          return;
        }
      }
    }
    for (const [key, check] of props) {
      if (Object.hasOwn(value, key)) check((value as Record<string, unknown>)[key], `${path}/${key}`, out);
    }
  };
}

/**
 * A validator for untrusted input. Oversized arrays and objects are refused first, by their size
 * alone: even the compiled check visits every key of a 50 000-key record (60 ms) before it looks at
 * `maxProperties`, and listing every error of a 100 000-item array takes a tenth of a second. What
 * passes gets the compiled check, and the issues of a failure are listed as protocol/validate.ts does.
 */
export function boundedValidator<S extends TSchema>(schema: S): Validator<S> {
  const compiled = Compile(schema);
  const detailed = compileValidator(schema);
  const sizes = compileSizeCheck(schema);
  return {
    check(value) {
      if (sizes) {
        const issues: SchemaIssue[] = [];
        sizes(value, '', issues);
        if (issues.length > 0) return { ok: false, issues };
      }
      if (compiled.Check(value)) return { ok: true, value: value as Static<S> };
      return detailed.check(value);
    },
  };
}
