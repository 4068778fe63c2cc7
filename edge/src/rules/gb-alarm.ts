import type { GbAlarm } from '../../../protocol/index.js';
import type { RuleType } from './rule-config.js';

/**
 * GB/T 28181-2016 alarm classification of each rule type, so a platform that receives our events over
 * GB/T 28181 (Notify/Alarm) files them under the type its operators know. AlarmMethod 5 is "video
 * alarm"; its AlarmType values are 1 manual, 2 motion detection, 3 left object, 4 object removed,
 * 5 tripwire, 6 intrusion, 7 retrograde, 8 loitering, 9 traffic statistics, 10 density, 11 video
 * anomaly, 12 fast moving.
 *
 * Rule types without an entry have no fitting standard type; a rule can still set its own `gbAlarm`.
 * `stationary` (illegal parking) is left out on purpose: the nearest type, 3 "left object"
 * (遗留物检测), would show a parked van to the duty officer as abandoned luggage. A deployment that
 * uses `stationary` for left luggage (backpack, suitcase) sets `gbAlarm: {method: 5, type: 3}` on it.
 */
export const GB_VIDEO_ALARM_METHOD = 5;

/** GB/T 28181 video alarm types (AlarmMethod 5). */
export const GbVideoAlarmType = {
  manual: 1,
  motion: 2,
  leftObject: 3,
  objectRemoved: 4,
  tripwire: 5,
  intrusion: 6,
  retrograde: 7,
  loitering: 8,
  trafficStatistics: 9,
  density: 10,
  videoAnomaly: 11,
  fastMoving: 12,
} as const;

/** The mapping table: rule type → GB/T 28181 alarm, where one fits. */
export const GB_ALARM_BY_RULE_TYPE: Readonly<Partial<Record<RuleType, GbAlarm>>> = {
  intrusion: { method: GB_VIDEO_ALARM_METHOD, type: GbVideoAlarmType.intrusion },
  line_crossing: { method: GB_VIDEO_ALARM_METHOD, type: GbVideoAlarmType.tripwire },
  loitering: { method: GB_VIDEO_ALARM_METHOD, type: GbVideoAlarmType.loitering },
  crowd: { method: GB_VIDEO_ALARM_METHOD, type: GbVideoAlarmType.density },
};

/** The GB/T 28181 alarm of a rule type, or undefined when no standard type fits. */
export function gbAlarmFor(type: RuleType): GbAlarm | undefined {
  const a = GB_ALARM_BY_RULE_TYPE[type];
  return a ? { ...a } : undefined;
}
