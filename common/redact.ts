/** Replaces the password of any URL with credentials inside a string (RTSP/RTMP/HTTP URLs in ffmpeg logs too). */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@/\s]*)@/gi, '$1$2:***@');
}
