import type { MessageKey } from '../i18n/messages.js';
import { ApiError } from './api-client.js';

/**
 * A failure as the user reads it: what kind of refusal (in the current language, from the error code)
 * and the cloud's own message, which names the field or state at fault.
 */
export function errorText(
  err: unknown,
  i18n: { t: (key: MessageKey, vars?: Record<string, string | number>) => string; tKnown: (key: string, fallback: string) => string },
): string {
  if (err instanceof ApiError) {
    const kind = i18n.tKnown(`error.${err.code}`, err.code);
    return i18n.t('error.format', { kind, message: err.message });
  }
  return i18n.t('common.error', { message: err instanceof Error ? err.message : String(err) });
}
