import { createHash } from 'node:crypto';
import { streamPathOf } from './media-ipc.js';

/**
 * The media server's stream key of a camera: derived, not the camera id itself, because stream keys
 * allow fewer characters than camera ids (no dots) and this keeps one fixed length. Stable across
 * restarts, so an edge still pushing after a cloud restart is recognised.
 */
export function streamKeyFor(cameraId: string): string {
  return `c${createHash('sha256').update(cameraId).digest('hex').slice(0, 32)}`;
}

/** The host name of a `Host` header (`example.cn:8080` → `example.cn`, `[::1]:80` → `[::1]`). */
export function hostnameOf(hostHeader: string | undefined, fallback = '127.0.0.1'): string {
  if (hostHeader === undefined || hostHeader === '') return fallback;
  const host = hostHeader.trim();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : fallback;
  }
  const name = host.split(':')[0] ?? '';
  // Only what may appear in a host name: the result goes into URLs handed to other parties.
  return /^[A-Za-z0-9.-]{1,253}$/.test(name) ? name : fallback;
}

/**
 * The RTMP URL an edge publishes a stream to: under `base` when configured (`rtmp://media.example.cn/live`),
 * else on the host the edge reached the cloud at, on the media server's RTMP port.
 */
export function publishUrl(streamKey: string, opts: { base: string; host: string; rtmpPort: number }): string {
  if (opts.base !== '') return `${opts.base.replace(/\/+$/, '')}/${streamKey}`;
  return `rtmp://${opts.host}:${opts.rtmpPort}${streamPathOf(streamKey)}`;
}

/**
 * The HTTP-FLV and WS-FLV URLs of a stream with its play token: under `base` when configured
 * (`https://live.example.cn`, e.g. behind a TLS proxy), else on the host the viewer reached the cloud
 * at, on the media server's HTTP port.
 */
export function playUrls(
  streamKey: string,
  token: string,
  opts: { base: string; host: string; httpPort: number },
): { url: string; wsUrl: string } {
  const base = opts.base !== '' ? opts.base.replace(/\/+$/, '') : `http://${opts.host}:${opts.httpPort}`;
  const url = `${base}${streamPathOf(streamKey)}.flv?sign=${token}`;
  return { url, wsUrl: url.replace(/^http(s?):/i, 'ws$1:') };
}
