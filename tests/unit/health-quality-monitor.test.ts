import { describe, expect, it } from 'vitest';
import { QUALITY_DEFAULTS, QualityMonitor, resolveQualityOptions, type QualityMonitorOptions, type QualityReport } from '../../edge/src/health/index.js';
import type { Frame } from '../../edge/src/types.js';
import { CameraStatus, compileValidator, type QualityIssueKind } from '../../protocol/index.js';

/**
 * Synthetic pictures with known faults. The "scene" is a few dozen coloured rectangles placed in
 * normalised coordinates on a gradient, so it renders with the same content at any size; sensor noise
 * is added per frame from a seeded generator.
 */

const T0 = 1_700_000_000_000;
const W = 320;
const H = 180;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A street-like scene: objects of varied brightness and moderate colour (no cast), sharp edges. */
function renderScene(width: number, height: number, seed = 7): Buffer {
  const rand = rng(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const v = 90 + Math.round((60 * x) / width);
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v;
    }
  }
  for (let k = 0; k < 50; k++) {
    const w = 0.02 + rand() * 0.15;
    const h = 0.02 + rand() * 0.15;
    const x0 = Math.round(rand() * (1 - w) * width);
    const y0 = Math.round(rand() * (1 - h) * height);
    const grey = 40 + rand() * 180;
    const rgb = [0, 1, 2].map(() => Math.round(grey + (rand() - 0.5) * 80));
    for (let y = y0; y < y0 + Math.round(h * height); y++) {
      for (let x = x0; x < x0 + Math.round(w * width); x++) {
        const o = (y * width + x) * 3;
        data[o] = rgb[0] ?? 0;
        data[o + 1] = rgb[1] ?? 0;
        data[o + 2] = rgb[2] ?? 0;
      }
    }
  }
  return data;
}

function uniform(width: number, height: number, level: number): Buffer {
  return Buffer.alloc(width * height * 3, level);
}

/** A copy with uniform noise of ±`amplitude` levels on every byte: sensor noise. */
function withNoise(base: Buffer, amplitude: number, rand: () => number): Buffer {
  const out = Buffer.allocUnsafe(base.length);
  for (let i = 0; i < base.length; i++) {
    out[i] = Math.max(0, Math.min(255, (base[i] ?? 0) + Math.round((rand() * 2 - 1) * amplitude)));
  }
  return out;
}

/** A copy with each channel scaled: a colour cast. */
function tinted(base: Buffer, gains: readonly [number, number, number]): Buffer {
  const out = Buffer.allocUnsafe(base.length);
  for (let i = 0; i < base.length; i++) out[i] = Math.min(255, Math.round((base[i] ?? 0) * (gains[i % 3] ?? 1)));
  return out;
}

/** A separable box blur of `radius` px, applied twice (close to a Gaussian): an out-of-focus lens. */
function blurred(base: Buffer, width: number, height: number, radius: number): Buffer {
  let src = Buffer.from(base);
  for (let pass = 0; pass < 4; pass++) {
    const horizontal = pass % 2 === 0;
    const out = Buffer.alloc(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let d = -radius; d <= radius; d++) {
            const xx = horizontal ? Math.min(width - 1, Math.max(0, x + d)) : x;
            const yy = horizontal ? y : Math.min(height - 1, Math.max(0, y + d));
            sum += src[(yy * width + xx) * 3 + c] ?? 0;
          }
          out[(y * width + x) * 3 + c] = Math.round(sum / (2 * radius + 1));
        }
      }
    }
    src = out;
  }
  return src;
}

function frame(data: Buffer, atMs: number, width = W, height = H, seq = 0): Frame {
  return { cameraId: 'cam-1', seq, capturedAt: T0 + atMs, width, height, data };
}

/** Feeds one frame per second for `seconds` s from `startS`; returns the report after each. */
function feed(monitor: QualityMonitor, startS: number, seconds: number, picture: (s: number) => Buffer): QualityReport[] {
  const reports: QualityReport[] = [];
  for (let s = startS; s < startS + seconds; s++) {
    expect(monitor.observe(frame(picture(s), s * 1000, W, H, s))).toBe(true);
    reports.push(monitor.snapshot(T0 + s * 1000));
  }
  return reports;
}

const kinds = (r: QualityReport | undefined): QualityIssueKind[] => (r?.issues ?? []).map((i) => i.kind);
const everRaised = (reports: readonly QualityReport[]): QualityIssueKind[] => [...new Set(reports.flatMap(kinds))].sort();

const SCENE = renderScene(W, H);

describe('QualityMonitor on synthetic pictures (default thresholds)', () => {
  it('raises nothing on a static but live scene: same content, fresh sensor noise on every frame', () => {
    const m = new QualityMonitor();
    const rand = rng(1);
    const reports = feed(m, 0, 60, () => withNoise(SCENE, 2, rand));
    expect(everRaised(reports)).toEqual([]);
    const metrics = reports.at(-1)?.metrics;
    expect(metrics?.sharpness).toBeGreaterThan(QUALITY_DEFAULTS.blurMaxSharpness * 10);
    expect(metrics?.motion).toBeGreaterThan(QUALITY_DEFAULTS.frozenMaxDiff);
    expect(metrics?.castRatio).toBeLessThan(QUALITY_DEFAULTS.castMinRatio);
  });

  it('raises frozen for a repeated identical frame, only after frozenAfterMs, since its first sample', () => {
    const m = new QualityMonitor();
    const rand = rng(2);
    const still = withNoise(SCENE, 2, rand);
    // Live for 5 s, then the picture of second 5 forever.
    const reports = feed(m, 0, 40, (s) => (s < 5 ? withNoise(SCENE, 2, rand) : still));
    const firstRaised = reports.findIndex((r) => kinds(r).includes('frozen'));
    expect(firstRaised).toBe(5 + QUALITY_DEFAULTS.frozenAfterMs / 1000);
    expect(reports[firstRaised]?.issues).toEqual([{ kind: 'frozen', since: T0 + 5_000, value: 0 }]);
    // Frozen needs longer than the other issues: nothing at raiseAfterMs.
    expect(kinds(reports[5 + QUALITY_DEFAULTS.raiseAfterMs / 1000])).toEqual([]);
    expect(everRaised(reports)).toEqual(['frozen']);
  });

  it('raises black for a dark flat picture, and not frozen, covered or blurred', () => {
    const m = new QualityMonitor();
    const rand = rng(3);
    const reports = feed(m, 0, 45, () => withNoise(uniform(W, H, 4), 3, rand));
    const first = reports.findIndex((r) => kinds(r).length > 0);
    expect(first).toBe(QUALITY_DEFAULTS.raiseAfterMs / 1000);
    expect(reports.at(-1)?.issues).toEqual([{ kind: 'black', since: T0, value: expect.closeTo(4.4, 0) }]);
    expect(everRaised(reports)).toEqual(['black']);
  });

  it('raises blurred for an out-of-focus picture of the scene that is sharp otherwise', () => {
    const rand = rng(4);
    const sharp = new QualityMonitor();
    const sharpReports = feed(sharp, 0, 15, () => withNoise(SCENE, 1, rand));
    const soft = blurred(SCENE, W, H, 3);
    const blur = new QualityMonitor();
    const blurReports = feed(blur, 0, 15, () => withNoise(soft, 1, rand));
    expect(everRaised(sharpReports)).toEqual([]);
    expect(everRaised(blurReports)).toEqual(['blurred']);
    const sharpness = (r: QualityReport[]): number => r.at(-1)?.metrics?.sharpness ?? NaN;
    expect(sharpness(blurReports)).toBeLessThan(QUALITY_DEFAULTS.blurMaxSharpness);
    expect(sharpness(sharpReports) / sharpness(blurReports)).toBeGreaterThan(20);
    expect(blurReports.at(-1)?.issues[0]).toMatchObject({ kind: 'blurred', since: T0 });
    expect(blurReports.at(-1)?.issues[0]?.value).toBeCloseTo(sharpness(blurReports), 2);
  });

  it('measures sharpness independently of the frame size', () => {
    const values = [
      [384, 216],
      [768, 432],
      [1280, 720],
    ].map(([w = 0, h = 0]) => {
      const m = new QualityMonitor();
      m.observe({ cameraId: 'c', seq: 0, capturedAt: T0, width: w, height: h, data: renderScene(w, h) });
      return m.snapshot(T0).metrics?.sharpness ?? NaN;
    });
    const [first = NaN] = values;
    for (const v of values) expect(Math.abs(v / first - 1)).toBeLessThan(0.2);
  });

  it('raises covered for a uniform grey picture (and not blurred or frozen, however long)', () => {
    const m = new QualityMonitor();
    const rand = rng(5);
    const reports = feed(m, 0, 45, () => withNoise(uniform(W, H, 128), 1, rand));
    expect(everRaised(reports)).toEqual(['covered']);
    expect(reports.at(-1)?.issues).toEqual([{ kind: 'covered', since: T0, value: expect.any(Number) }]);
    expect(reports.at(-1)?.issues[0]?.value).toBeLessThanOrEqual(QUALITY_DEFAULTS.coveredMaxContrast);
  });

  it('raises covered when a cover hides 92 % of the picture and the rest is live', () => {
    const m = new QualityMonitor();
    const rand = rng(6);
    const picture = (): Buffer => {
      const data = withNoise(SCENE, 2, rand);
      data.fill(110, 0, Math.round(H * 0.92) * W * 3);
      return data;
    };
    expect(everRaised(feed(m, 0, 15, picture))).toEqual(['covered']);
  });

  it('raises colour_cast for a strongly green-tinted picture, not for a colourful balanced one', () => {
    const rand = rng(8);
    const green = new QualityMonitor();
    const reports = feed(green, 0, 15, () => withNoise(tinted(SCENE, [0.6, 1, 0.6]), 2, rand));
    expect(everRaised(reports)).toEqual(['colour_cast']);
    const metrics = reports.at(-1)?.metrics;
    expect(metrics?.cast).toBeGreaterThan(QUALITY_DEFAULTS.castMinOffset);
    expect(reports.at(-1)?.issues[0]?.value).toBeCloseTo(metrics?.cast ?? NaN, 2);
    // A big red object (a bus filling half the view) moves the mean colour far from grey, but the
    // picture's own spread of colour is as large: no tint shared by the whole picture.
    const withBus = (): Buffer => {
      const data = withNoise(SCENE, 2, rand);
      for (let i = 0; i < data.length / 2; i += 3) data.set([200, 40, 40], i);
      return data;
    };
    const busReports = feed(new QualityMonitor(), 0, 15, withBus);
    expect(busReports.at(-1)?.metrics?.cast).toBeGreaterThan(QUALITY_DEFAULTS.castMinOffset);
    expect(everRaised(busReports)).toEqual([]);
  });

  it('raises overexposed for a washed-out picture', () => {
    const m = new QualityMonitor();
    const rand = rng(9);
    expect(everRaised(feed(m, 0, 15, () => withNoise(uniform(W, H, 250), 3, rand)))).toEqual(['overexposed']);
  });
});

describe('QualityMonitor hysteresis and sampling', () => {
  const fast: QualityMonitorOptions = { raiseAfterMs: 3_000, clearAfterMs: 4_000 };
  const rand = rng(10);
  const live = (): Buffer => withNoise(SCENE, 2, rand);
  const black = uniform(W, H, 0);

  it('does not raise a condition that lasts less than raiseAfterMs', () => {
    const m = new QualityMonitor(fast);
    const reports = [...feed(m, 0, 3, live), ...feed(m, 3, 3, () => black), ...feed(m, 6, 10, live)];
    expect(everRaised(reports)).toEqual([]);
    // A second short run starts from zero, not from the first run's onset.
    expect(everRaised(feed(m, 16, 3, () => black))).toEqual([]);
  });

  it('raises after raiseAfterMs with since = onset, and clears after clearAfterMs of absence', () => {
    const m = new QualityMonitor(fast);
    feed(m, 0, 2, live);
    const during = feed(m, 2, 6, () => black); // black at 2..7 s
    expect(during.map((r) => kinds(r).length)).toEqual([0, 0, 0, 1, 1, 1]); // raised at 5 s = 2 s + 3 s
    expect(during[3]?.issues).toEqual([{ kind: 'black', since: T0 + 2_000, value: 0 }]);
    const after = feed(m, 8, 6, live); // live again from 8 s
    // Still reported while clearing (8, 9, 10, 11 s), gone once absent for 4 s (12 s).
    expect(after.map((r) => kinds(r).length)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(after[0]?.issues[0]?.since).toBe(T0 + 2_000);
  });

  it('keeps a clearing issue, with its original since, when the condition comes back', () => {
    const m = new QualityMonitor(fast);
    feed(m, 0, 5, () => black); // raised at 3 s, since 0
    feed(m, 5, 3, live); // clearing from 5 s
    feed(m, 8, 1, () => black); // back before 4 s of absence
    const after = feed(m, 9, 5, live); // absence restarts at 9 s: cleared at 13 s
    expect(after.map((r) => r.issues[0]?.since)).toEqual([T0, T0, T0, T0, undefined]);
  });

  it('analyses one frame per sample interval without drifting, and says which', () => {
    const m = new QualityMonitor();
    const picture = live();
    let analysed = 0;
    // 3 fps for 30 s: a naive "1000 ms since the last sample" would analyse every 1333 ms.
    for (let i = 0; i < 90; i++) if (m.observe(frame(picture, Math.round((i * 1000) / 3), W, H, i))) analysed++;
    expect(analysed).toBe(30);
    expect(m.observe(frame(picture, 30_000 - 1))).toBe(false);
  });

  it('starts over after a gap longer than staleAfterMs, and reports nothing while stale', () => {
    const m = new QualityMonitor(fast);
    feed(m, 0, 5, () => black);
    expect(kinds(m.snapshot(T0 + 4_000))).toEqual(['black']);
    // No frame for 15 s: the capture stalled. The old diagnosis is not repeated as current.
    const stale = m.snapshot(T0 + 20_000);
    expect(stale.issues).toEqual([]);
    expect(stale.metrics?.luma).toBe(0);
    // Frames come back (black again): the condition must hold raiseAfterMs anew.
    const again = feed(m, 20, 4, () => black);
    expect(again.map((r) => kinds(r).length)).toEqual([0, 0, 0, 1]);
    expect(again[3]?.issues[0]?.since).toBe(T0 + 20_000);
  });

  it('reads frames that are views into a larger buffer (byteOffset ≠ 0)', () => {
    const picture = live();
    const pool = Buffer.alloc(picture.length + 1001, 255);
    picture.copy(pool, 1001);
    const view = pool.subarray(1001);
    expect(view.byteOffset).toBeGreaterThan(0);
    const a = new QualityMonitor();
    const b = new QualityMonitor();
    a.observe(frame(picture, 0));
    b.observe(frame(view, 0));
    expect(b.snapshot(T0).metrics).toEqual(a.snapshot(T0).metrics);
  });

  it('copes with a change of frame size (a restarted capture with another resolution)', () => {
    const m = new QualityMonitor();
    m.observe(frame(live(), 0));
    m.observe(frame(renderScene(160, 90), 1_000, 160, 90));
    expect(m.snapshot(T0 + 1_000).metrics?.motion).toBeUndefined();
    m.observe(frame(renderScene(160, 90), 2_000, 160, 90));
    expect(m.snapshot(T0 + 2_000).metrics?.motion).toBe(0);
  });
});

describe('quality options and protocol', () => {
  it('fills defaults and names every bad option', () => {
    expect(resolveQualityOptions({ raiseAfterMs: 5 })).toEqual({ ...QUALITY_DEFAULTS, raiseAfterMs: 5 });
    expect(() => new QualityMonitor({ blurMaxSharpness: -1, analysisWidth: 8, staleAfterMs: 500 })).toThrow(
      /blurMaxSharpness.*analysisWidth.*staleAfterMs/,
    );
    expect(() => resolveQualityOptions({ frozenMaxDif: 1 } as QualityMonitorOptions)).toThrow(/unknown option frozenMaxDif/);
  });

  it('reports issues that fit CameraStatus.quality', () => {
    const m = new QualityMonitor({ raiseAfterMs: 0 });
    m.observe(frame(uniform(W, H, 0), 0));
    const { issues } = m.snapshot(T0);
    const check = compileValidator(CameraStatus);
    const status = { cameraId: 'cam-1', state: 'streaming', since: T0, captureFps: 5, analysedFps: 5, droppedFrames: 0, restarts: 0 };
    expect(check.check({ ...status, quality: issues }).ok).toBe(true);
    expect(check.check(status).ok).toBe(true);
    expect(check.check({ ...status, quality: [{ kind: 'smeared', since: T0, value: 1 }] }).ok).toBe(false);
    expect(check.check({ ...status, quality: Array.from({ length: 9 }, () => issues[0]) }).ok).toBe(false);
  });
});
