/**
 * Thresholds and timing of the video quality diagnosis. Every field is optional; the defaults are in
 * {@link QUALITY_DEFAULTS}. The metric each threshold applies to is defined on `QualityMetrics`; the
 * numbers quoted below were measured on the footage in ../shared/media (see the integration test).
 */
export interface QualityMonitorOptions {
  /**
   * Analyse at most one frame per this many ms of frame time (`capturedAt`); the other frames cost one
   * comparison. Keep it ≥ the cameras' GOP length (usually 1-2 s): an encoder skips unchanged blocks
   * between keyframes, so two samples inside one GOP of a static live scene can be bit-identical, and
   * only a keyframe between them brings back the sensor noise that tells live from frozen. Default 1000.
   */
  readonly sampleIntervalMs?: number;
  /**
   * Width of the grey analysis image, px (height keeps the aspect ratio; frames narrower than this are
   * analysed at their own width). Sharpness is measured at this width whatever the frame size, which
   * is what makes its threshold independent of the capture resolution. Default 320.
   */
  readonly analysisWidth?: number;
  /** A condition must hold this long before its issue is raised. Default 10 000 ms. */
  readonly raiseAfterMs?: number;
  /** A raised issue clears once its condition has been absent this long. Default 10 000 ms. */
  readonly clearAfterMs?: number;
  /**
   * `frozen` is raised once the picture has stayed within `frozenMaxDiff` of the same reference sample
   * for this long. Longer than `raiseAfterMs` on purpose: a quiet live scene (an empty corridor at
   * night) can look frozen for a while, and a long window lets slow changes (light, shadows, fresh noise
   * at each keyframe) show that it is alive. Default 30 000 ms.
   */
  readonly frozenAfterMs?: number;
  /**
   * No frame for longer than this (camera stalled, restarted, or the clock stepped) and the monitor
   * starts over; `snapshot()` reports no issue while the last sample is older than this, since the
   * capture state (stalled/offline) is then the diagnosis. Must exceed `sampleIntervalMs`.
   * Default 10 000 ms.
   */
  readonly staleAfterMs?: number;
  /** `black`: mean luma at most this (0..255)... Default 24. */
  readonly blackMaxLuma?: number;
  /** ...and luma spread (p90 − p10) at most this, so a dark scene with lit parts is not black. Default 12. */
  readonly blackMaxContrast?: number;
  /** `overexposed`: mean luma at least this (0..255). Default 230. */
  readonly overexposedMinLuma?: number;
  /**
   * `covered`: neither black nor overexposed, luma spread (p90 − p10) at most this... The interdecile
   * range ignores the brightest and darkest 10 %, so a cover over ≥ 90 % of the picture still counts.
   * Measured: grey box over 92 % of the parking-lot clip 0; the unaltered clip (a low-contrast grey
   * tarmac, the hardest case here) 11-19; the same clip heavily blurred 11-14. Default 8.
   */
  readonly coveredMaxContrast?: number;
  /**
   * ...and edge density at most this (fraction of analysis pixels on an edge), so a flat-looking but
   * detailed scene (the parking-lot clip at dusk, fog) is not called covered. A partial cover still
   * shows the edges of the uncovered sliver and of its own border: measured 0.001 (real clip, 92 %
   * covered) and 0.009 (a detailed synthetic scene, 92 % covered); normal footage 0.008-0.24, the
   * lowest with a contrast of 26. Default 0.015.
   */
  readonly coveredMaxEdges?: number;
  /**
   * `blurred`: sharpness (variance of the Laplacian at `analysisWidth`) below this, on a picture that
   * is neither black, covered nor overexposed. Measured: normal footage ≥ 43 (a dim parking lot),
   * usually 100-1200; `boxblur=10:2` or `gblur=sigma=12` on the parking-lot clip about 1.5. Default 12.
   */
  readonly blurMaxSharpness?: number;
  /**
   * `frozen`: the largest mean absolute luma difference of any of 8×6 blocks between the current
   * sample and the reference sample at most this (grey levels). Very low on purpose: a frozen picture
   * that the camera keeps re-encoding differs only by keyframe requantisation (≤ 0.47 measured, x264 at
   * CRF 23-36; a stream that repeats the same frame gives 0), while live pictures differ by sensor
   * noise and motion: ≥ 1.0 from one second to the next on the parking-lot clip, 0.58 in the quietest
   * second of the factory clip (1080p scaled to 384×216), down to 0.50 on the parking-lot clip once a
   * heavy blur had wiped out its noise (not raised there: against the reference the difference grows).
   * Trade-off: a perfectly static, noise-free live scene (a heavily compressed camera facing a wall) can
   * be reported frozen, and a frozen picture under a live OSD clock is not (the clock's block changes
   * every second). Default 0.5.
   */
  readonly frozenMaxDiff?: number;
  /**
   * `colour_cast`: distance of the mean chroma from neutral at least this (8-bit chroma levels)...
   * Measured: normal footage 0.1-17; `colorchannelmixer=rr=.6:bb=.6` (green) 28. Default 10.
   */
  readonly castMinOffset?: number;
  /**
   * ...and that distance at least this many times the mean chroma deviation around it, so a colourful
   * scene (a red bus filling half the view, warm indoor light) is not a cast while a tint shared by the
   * whole picture is. Measured: normal footage ≤ 1.3 (a sepia-toned campus clip); tinted variants of
   * the parking-lot clip ≥ 14, a strongly tinted synthetic street scene about 3. Default 2.
   */
  readonly castMinRatio?: number;
}

/** Options with every default filled in. */
export type ResolvedQualityOptions = Readonly<Required<QualityMonitorOptions>>;

/** Defaults of {@link QualityMonitorOptions}, exported so configuration docs and tests share them. */
export const QUALITY_DEFAULTS: ResolvedQualityOptions = Object.freeze({
  sampleIntervalMs: 1_000,
  analysisWidth: 320,
  raiseAfterMs: 10_000,
  clearAfterMs: 10_000,
  frozenAfterMs: 30_000,
  staleAfterMs: 10_000,
  blackMaxLuma: 24,
  blackMaxContrast: 12,
  overexposedMinLuma: 230,
  coveredMaxContrast: 8,
  coveredMaxEdges: 0.015,
  blurMaxSharpness: 12,
  frozenMaxDiff: 0.5,
  castMinOffset: 10,
  castMinRatio: 2,
});

/** Fills in defaults and checks ranges; throws a `RangeError` naming every bad field. */
export function resolveQualityOptions(opts: QualityMonitorOptions = {}): ResolvedQualityOptions {
  const problems: string[] = [];
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (!Object.hasOwn(QUALITY_DEFAULTS, key)) problems.push(`unknown option ${key}`);
    else if (value !== undefined) given[key] = value;
  }
  const o = { ...QUALITY_DEFAULTS, ...(given as QualityMonitorOptions) };
  for (const [key, value] of Object.entries(o)) {
    if (!Number.isFinite(value) || value < 0) problems.push(`${key} must be a finite number ≥ 0, got ${value}`);
  }
  if (!(o.sampleIntervalMs > 0)) problems.push(`sampleIntervalMs must be > 0, got ${o.sampleIntervalMs}`);
  if (!Number.isInteger(o.analysisWidth) || o.analysisWidth < 16) {
    problems.push(`analysisWidth must be an integer ≥ 16, got ${o.analysisWidth}`);
  }
  if (!(o.staleAfterMs > o.sampleIntervalMs)) {
    problems.push(`staleAfterMs (${o.staleAfterMs}) must exceed sampleIntervalMs (${o.sampleIntervalMs})`);
  }
  if (problems.length > 0) throw new RangeError(`invalid quality options: ${problems.join('; ')}`);
  return Object.freeze(o);
}
