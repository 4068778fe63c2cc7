import Type, { type Static } from 'typebox';

/** Section of the cloud config: The closed-loop workflow: deadlines by severity tier, escalation. */
export const WorkflowConfig = Type.Object({}, { additionalProperties: false, default: {}, description: 'The closed-loop workflow: deadlines by severity tier, escalation.' });
export type WorkflowConfig = Static<typeof WorkflowConfig>;
