import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decidePlay, decidePublish, isPlayRequestPath, nmsNativeSign, streamKeyOf } from '../../cloud/src/media/nms-gate.js';
import { signGrant, verifyGrant, type PlayGrant } from '../../cloud/src/media/stream-signing.js';
import { hostnameOf, playUrls, publishUrl, streamKeyFor } from '../../cloud/src/media/stream-urls.js';

const KEY = randomBytes(32);
const NOW = 1_800_000_000_000;
const PATH = '/live/c0123456789abcdef0123456789abcdef';
const play = (over: Partial<PlayGrant> = {}): PlayGrant => ({ kind: 'play', userId: 7, viewId: 'v-1', expiresAt: NOW + 60_000, ...over });

describe('stream grants', () => {
  it('round-trips a play grant and a publish grant', () => {
    expect(verifyGrant(KEY, PATH, 'play', signGrant(KEY, PATH, play()), NOW)).toEqual({ ok: true, grant: play() });
    const pub = { kind: 'publish' as const, edgeId: 'edge-1', expiresAt: NOW + 1000 };
    expect(verifyGrant(KEY, PATH, 'publish', signGrant(KEY, PATH, pub), NOW)).toEqual({ ok: true, grant: pub });
  });

  it('is URL-safe as it is', () => {
    const token = signGrant(KEY, PATH, play({ viewId: 'ä/?&=+ x' }));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('refuses an expired token, at the exact expiry too', () => {
    const token = signGrant(KEY, PATH, play({ expiresAt: NOW }));
    expect(verifyGrant(KEY, PATH, 'play', token, NOW)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyGrant(KEY, PATH, 'play', token, NOW - 1).ok).toBe(true);
  });

  it("refuses another stream's token, another key's token and a changed payload", () => {
    const token = signGrant(KEY, PATH, play());
    expect(verifyGrant(KEY, '/live/other', 'play', token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyGrant(randomBytes(32), PATH, 'play', token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    // A payload naming another user with the original MAC.
    const [, mac] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ k: 'play', u: 1, v: 'v-1', x: NOW + 60_000 })).toString('base64url')}.${mac}`;
    expect(verifyGrant(KEY, PATH, 'play', forged, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    // A longer expiry.
    const later = `${Buffer.from(JSON.stringify({ k: 'play', u: 7, v: 'v-1', x: NOW + 1e9 })).toString('base64url')}.${mac}`;
    expect(verifyGrant(KEY, PATH, 'play', later, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('tells a token of the other kind apart', () => {
    const pub = signGrant(KEY, PATH, { kind: 'publish', edgeId: 'e', expiresAt: NOW + 1000 });
    expect(verifyGrant(KEY, PATH, 'play', pub, NOW)).toEqual({ ok: false, reason: 'wrong-kind' });
    expect(verifyGrant(KEY, PATH, 'publish', signGrant(KEY, PATH, play()), NOW)).toEqual({ ok: false, reason: 'wrong-kind' });
  });

  it('refuses missing and malformed tokens without throwing', () => {
    for (const t of [undefined, '', ['a', 'b'], 42]) expect(verifyGrant(KEY, PATH, 'play', t, NOW)).toEqual({ ok: false, reason: 'missing' });
    for (const t of ['abc', '.abc', 'abc.', 'a b.c', 'x'.repeat(2000) + '.y', 'abc.d+f']) {
      expect(verifyGrant(KEY, PATH, 'play', t, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses keys shorter than 256 bits', () => {
    expect(() => signGrant(randomBytes(16), PATH, play())).toThrow(RangeError);
  });
});

describe('media child gate', () => {
  const pubToken = signGrant(KEY, PATH, { kind: 'publish', edgeId: 'edge-1', expiresAt: NOW + 1000 });
  const playToken = signGrant(KEY, PATH, play());

  it('admits an RTMP publisher with a valid publish grant while the stream has none', () => {
    const d = decidePublish(KEY, { protocol: 'rtmp', streamPath: PATH, query: { sign: pubToken }, hasPublisher: false }, NOW);
    expect(d).toEqual({ ok: true, grant: { kind: 'publish', edgeId: 'edge-1', expiresAt: NOW + 1000 } });
  });

  it('refuses publishing over FLV, a second publisher, other paths and bad grants', () => {
    const req = { protocol: 'rtmp', streamPath: PATH, query: { sign: pubToken }, hasPublisher: false };
    expect(decidePublish(KEY, { ...req, protocol: 'flv' }, NOW).ok).toBe(false);
    expect(decidePublish(KEY, { ...req, hasPublisher: true }, NOW)).toEqual({ ok: false, reason: 'the stream already has a publisher' });
    expect(decidePublish(KEY, { ...req, streamPath: '/other/x' }, NOW).ok).toBe(false);
    expect(decidePublish(KEY, { ...req, query: {} }, NOW)).toEqual({ ok: false, reason: 'publish signature missing' });
    expect(decidePublish(KEY, { ...req, query: { sign: playToken } }, NOW)).toEqual({ ok: false, reason: 'publish signature wrong-kind' });
  });

  it('admits an FLV player with a valid play grant and refuses RTMP players', () => {
    expect(decidePlay(KEY, { protocol: 'flv', streamPath: PATH, query: { sign: playToken } }, NOW)).toEqual({ ok: true, grant: play() });
    expect(decidePlay(KEY, { protocol: 'rtmp', streamPath: PATH, query: { sign: playToken } }, NOW).ok).toBe(false);
    expect(decidePlay(KEY, { protocol: 'flv', streamPath: PATH, query: { sign: playToken } }, NOW + 61_000)).toEqual({
      ok: false,
      reason: 'play signature expired',
    });
  });

  it('lets only stream URLs through to the server', () => {
    expect(isPlayRequestPath('/live/abc_D-1.flv')).toBe(true);
    expect(isPlayRequestPath('/live/abc.flv?sign=a.b&x=1')).toBe(true);
    for (const bad of [undefined, '/live/a%24b.flv', '/live/a$b.flv', '/admin/', '/live/abc', '/other/abc.flv', '/live/a/b.flv', '/api/v1/streams', `/live/${'a'.repeat(65)}.flv`]) {
      expect(isPlayRequestPath(bad)).toBe(false);
    }
    expect(streamKeyOf('/live/abc')).toBe('abc');
    expect(streamKeyOf('/live/a.b')).toBeUndefined();
  });

  it("writes node-media-server's own signature format", () => {
    const sign = nmsNativeSign('/live/k', 'secret', NOW);
    const exp = NOW / 1000 + 60;
    expect(sign).toBe(`${exp}-${createHash('md5').update(`/live/k-${exp}-secret`).digest('hex')}`);
  });
});

describe('stream URLs', () => {
  it('derives a stable stream key with only the characters the media server allows', () => {
    expect(streamKeyFor('cam.1')).toMatch(/^c[0-9a-f]{32}$/);
    expect(streamKeyFor('cam.1')).toBe(streamKeyFor('cam.1'));
    expect(streamKeyFor('cam.1')).not.toBe(streamKeyFor('cam.2'));
  });

  it('takes the host name from a Host header and refuses anything else', () => {
    expect(hostnameOf('cloud.example.cn:8080')).toBe('cloud.example.cn');
    expect(hostnameOf('10.0.0.2')).toBe('10.0.0.2');
    expect(hostnameOf('[::1]:8080')).toBe('[::1]');
    expect(hostnameOf(undefined)).toBe('127.0.0.1');
    expect(hostnameOf('evil/"><script>')).toBe('127.0.0.1');
  });

  it('builds publish and play URLs on the same host or under configured bases', () => {
    expect(publishUrl('ck', { base: '', host: 'cloud.cn', rtmpPort: 1935 })).toBe('rtmp://cloud.cn:1935/live/ck');
    expect(publishUrl('ck', { base: 'rtmp://media.cn/live/', host: 'x', rtmpPort: 1 })).toBe('rtmp://media.cn/live/ck');
    expect(playUrls('ck', 'a.b', { base: '', host: 'cloud.cn', httpPort: 8000 })).toEqual({
      url: 'http://cloud.cn:8000/live/ck.flv?sign=a.b',
      wsUrl: 'ws://cloud.cn:8000/live/ck.flv?sign=a.b',
    });
    expect(playUrls('ck', 'a.b', { base: 'https://live.cn', host: 'x', httpPort: 1 })).toEqual({
      url: 'https://live.cn/live/ck.flv?sign=a.b',
      wsUrl: 'wss://live.cn/live/ck.flv?sign=a.b',
    });
  });
});
