/** Schema of camera rules edited in the cloud: migration step of cloud/src/db/migrations.ts (edit until first shipped). */
export const CAMERA_RULES_MIGRATION_SQL = `
  SELECT 1;
`;
