import Type, { type Static } from 'typebox';

const Minutes = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 365 * 24 * 60, default: def, description });

const DeadlineMinutes = Type.Object(
  {
    severity1: Minutes(120, 'Severity 1 (immediate): minutes from dispatch to the rectification deadline.'),
    severity2: Minutes(24 * 60, 'Severity 2 (fix by a deadline): minutes from dispatch to the rectification deadline.'),
    severity3: Minutes(72 * 60, 'Severity 3 (guidance): minutes from dispatch to the rectification deadline.'),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'Deadline of each severity tier, set when an item is accepted or dispatched (and again after a failed ' +
      're-check) unless the dispatcher names one. An overdue item is escalated (督办) one level up, and one ' +
      'more level for every further period of its tier.',
  },
);

/** Section of the cloud config: the closed-loop workflow: deadlines by severity tier, escalation. */
export const WorkflowConfig = Type.Object(
  {
    deadlineMinutes: DeadlineMinutes,
    sweepIntervalMs: Type.Integer({
      minimum: 50,
      maximum: 3_600_000,
      default: 60_000,
      description: 'How often the cloud looks for overdue items to escalate; adds at most this much to an escalation.',
    }),
    maxEscalationLevel: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 3,
      description: 'Highest escalation level: an item is escalated (automatically or by a regulator) at most this many times.',
    }),
    maxPhotoBytes: Type.Integer({
      minimum: 1024,
      maximum: 100 * 1024 * 1024,
      default: 10 * 1024 * 1024,
      description: 'Largest rectification photo (JPEG, PNG or WebP) a user may upload, in bytes.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The closed-loop workflow: deadlines by severity tier, escalation.' },
);
export type WorkflowConfig = Static<typeof WorkflowConfig>;

/** The deadline period of a severity tier, in milliseconds. */
export function tierMs(config: WorkflowConfig, severity: number): number {
  const { severity1, severity2, severity3 } = config.deadlineMinutes;
  // Severities beyond the protocol's 1..3 (a future edge) take the mildest tier rather than none.
  const minutes = severity <= 1 ? severity1 : severity === 2 ? severity2 : severity3;
  return minutes * 60_000;
}
