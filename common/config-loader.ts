import { readFileSync } from 'node:fs';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { compileValidator, pointerToKeyPath } from '../protocol/validate.js';

/** A configuration problem, named by its key path (for example `cameras[0].rules[1].classes`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown when a config file cannot be used; `problems` lists every one found, not just the first. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Lives in protocol/ so rule sets edited in the cloud name their problems the same way; re-exported for config code.
export { pointerToKeyPath } from '../protocol/validate.js';

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed document. Interpolating after
 * parsing (not in the YAML text) keeps a value with YAML syntax characters from changing the structure.
 */
export function interpolateEnv(
  doc: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path = '',
): unknown {
  if (typeof doc === 'string') {
    const replaced = doc.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set and has no default` });
      return '';
    });
    // A whole-value reference to a number or boolean keeps its type, so `port: ${PORT:-8080}` is a number.
    if (replaced !== doc && /^\$\{[^}]+\}$/.test(doc)) {
      if (/^-?\d+(\.\d+)?$/.test(replaced)) return Number(replaced);
      if (replaced === 'true' || replaced === 'false') return replaced === 'true';
    }
    return replaced;
  }
  if (Array.isArray(doc)) return doc.map((v, i) => interpolateEnv(v, env, problems, `${path}[${i}]`));
  if (doc && typeof doc === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) out[k] = interpolateEnv(v, env, problems, path ? `${path}.${k}` : k);
    return out;
  }
  return doc;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Cross-field checks that a schema cannot express; return problems with key paths. */
  refine?: (config: unknown) => ConfigProblem[];
}

/**
 * Validates a parsed document against a schema: applies defaults, lists every problem with its key path,
 * and returns the config frozen. Objects in the schema must set `additionalProperties: false` so that
 * unknown keys are errors.
 */
export function parseConfig<S extends TSchema>(schema: S, doc: unknown, source: string, opts: LoadOptions = {}): Static<S> {
  const problems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(doc ?? {}, opts.env ?? process.env, problems);
  const withDefaults = Value.Default(schema, Value.Clone(interpolated));
  const checked = compileValidator(schema).check(withDefaults);
  if (!checked.ok) {
    for (const issue of checked.issues) problems.push({ path: pointerToKeyPath(issue.path), message: issue.message });
  }
  if (checked.ok && opts.refine) problems.push(...opts.refine(checked.value));
  if (problems.length > 0) throw new ConfigError(source, dedupe(problems));
  return deepFreeze(withDefaults as Static<S>);
}

/** Reads a YAML file and validates it with {@link parseConfig}. */
export function loadConfigFile<S extends TSchema>(schema: S, file: string, opts: LoadOptions = {}): Static<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(file, [{ path: '', message: `YAML syntax error: ${msg}` }]);
  }
  return parseConfig(schema, doc, file, opts);
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
