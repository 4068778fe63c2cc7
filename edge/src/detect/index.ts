/** Detect stage: Frame → Detections with ONNX models described by `models/<id>.yaml`. */
export { createOnnxDetector } from './onnx-detector.js';
export type { DetectLogger, DetectTimings, OnnxDetector, OnnxDetectorOptions } from './onnx-detector.js';
export { createFakeDetector } from './fake-detector.js';
export type { FakeDetector, FakeDetectorOptions, FakeScript } from './fake-detector.js';
export { frameFromImageFile } from './image-frame.js';
export type { ImageFrameOptions } from './image-frame.js';
export { createPreprocessor, letterboxGeometry, normalisationTable } from './preprocess.js';
export type { LetterboxGeometry, PreprocessedFrame, Preprocessor, PreprocessSpec } from './preprocess.js';
export { classThresholds, toFrameBox } from './decode-common.js';
export type { DecodeOptions, ScoredBox } from './decode-common.js';
export { decodeYolox } from './decode-yolox.js';
export type { YoloxDecodeOptions } from './decode-yolox.js';
export { decodeYolov5 } from './decode-yolov5.js';
export { decodeYolov8 } from './decode-yolov8.js';
export { iou, nms, toDetections } from './nms.js';
export type { NmsOptions } from './nms.js';
