/** Motion stage: cheap change detection on each frame, and the policy deciding where the detector runs. */
export { BackgroundMotionDetector, MOTION_DEFAULTS } from './background-motion-detector.js';
export type { MotionDetectorOptions } from './background-motion-detector.js';
export { MotionGate, MOTION_GATE_DEFAULTS } from './gate.js';
export type { GateReason, MotionGateOptions } from './gate.js';
export { cropFrame, DETECT_PLAN_DEFAULTS, mapCropDetection, mapCropDetections, planDetection } from './detect-plan.js';
export type { DetectPlan, DetectPlanOptions, PixelRect } from './detect-plan.js';
export { maskBitmap, pointInPolygon } from './motion-mask.js';
export type { MaskPoint, MaskPolygon } from './motion-mask.js';
export { blur121, downscaleToGrey, greyGeometry } from './grey-image.js';
export type { GreyGeometry } from './grey-image.js';
export { componentBoxes, dilate, padAndMerge } from './motion-regions.js';
export type { CellBox } from './motion-regions.js';
export { createFakeMotionDetector } from './fake-motion-detector.js';
export type { FakeMotionDetector, FakeMotionScript } from './fake-motion-detector.js';
