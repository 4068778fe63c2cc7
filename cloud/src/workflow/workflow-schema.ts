/** Schema of the closed-loop workflow: migration step of cloud/src/db/migrations.ts (edit until first shipped). */
export const WORKFLOW_MIGRATION_SQL = `
  SELECT 1;
`;
