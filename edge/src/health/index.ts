/**
 * Video quality diagnosis (视频质量诊断) per camera: black, frozen, blurred, covered, colour cast and
 * overexposed pictures, judged with hysteresis on sampled frames; reported in `CameraStatus.quality`.
 */
export * from './fake-quality-diagnosis.js';
export * from './frame-analyser.js';
export * from './issue-state.js';
export * from './quality-monitor.js';
export * from './quality-options.js';
