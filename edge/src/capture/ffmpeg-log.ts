import { redactUrl } from '../../../common/redact.js';

/** ffmpeg's severities as printed by `-loglevel level+…`. */
export type FfmpegLogLevel = 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'verbose' | 'debug' | 'trace';

/** One parsed stderr line of ffmpeg. */
export interface FfmpegLogLine {
  /** Severity from the `[level]` tag; `info` when the line has none. */
  readonly level: FfmpegLogLevel;
  /** The component that logged it (`rtsp`, `h264`, `tcp`, ...), without the pointer address. */
  readonly component?: string;
  /** The message with the tags removed. */
  readonly message: string;
}

// "[tcp @ 0x55858c6b8880] [error] Connection to tcp://… failed" or "[error] rtsp://…: Connection refused"
const LINE = /^(?:\[([\w.-]+) @ 0x[0-9a-f]+\] )?(?:\[(panic|fatal|error|warning|info|verbose|debug|trace)\] )?(.*)$/;

/** Splits the `[component @ 0x…] [level]` prefixes off a stderr line. Does not redact. */
export function parseFfmpegLogLine(line: string): FfmpegLogLine {
  const m = LINE.exec(line);
  const component = m?.[1];
  const level = (m?.[2] as FfmpegLogLevel | undefined) ?? 'info';
  const message = m?.[3] ?? line;
  return component === undefined ? { level, message } : { level, component, message };
}

/** True for error lines that say what went wrong (not ffmpeg's generic closing words). */
export function isMeaningfulError(line: FfmpegLogLine): boolean {
  if (line.level !== 'error' && line.level !== 'fatal' && line.level !== 'panic') return false;
  return !/^(Conversion failed!?|Exiting normally.*|Error (closing|while closing) file.*)$/i.test(line.message.trim());
}

/** A line for humans: `component: message`, without the pointer noise. */
export function formatFfmpegLogLine(line: FfmpegLogLine): string {
  return line.component === undefined ? line.message : `${line.component}: ${line.message}`;
}

/**
 * The password of a URL, as written and percent-decoded, for scrubbing it from any text. ffmpeg
 * sometimes prints URLs re-serialised or decoded, where the `user:pass@` pattern of
 * {@link redactUrl} alone could miss it.
 */
export function urlSecrets(url: string): string[] {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    // Not a URL (a file path): nothing secret in it.
    return [];
  }
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Malformed %-escape: the raw form is the only one that can appear.
  }
  return decoded === password ? [password] : [password, decoded];
}

/** {@link redactUrl} plus literal replacement of every given secret by `***`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    // Very short secrets would blank out ordinary words; redactUrl still covers them inside URLs.
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}
