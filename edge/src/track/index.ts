/** Track stage: Detections → Tracks with stable ids (ByteTrack-style association on a Kalman-predicted box). */
export { ByteTracker, BYTE_TRACKER_DEFAULTS } from './byte-tracker.js';
export type { ByteTrackerOptions, TrackUpdate } from './byte-tracker.js';
export { KalmanBox, KALMAN_BOX_DEFAULTS } from './kalman-box.js';
export type { KalmanBoxOptions } from './kalman-box.js';
export { AssignmentSolver, assignmentCost, solveAssignment } from './assignment.js';
export type { Assignment } from './assignment.js';
export { boxIou, clampBox } from './box-iou.js';
export { createFakeTracker, oneTrackPerDetection } from './fake-tracker.js';
export type { FakeTracker, FakeTrackerOptions } from './fake-tracker.js';
