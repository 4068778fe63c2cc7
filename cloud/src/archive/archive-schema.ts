/** Schema of recording requests and evidence exports: migration step of cloud/src/db/migrations.ts (edit until first shipped). */
export const MEDIA_ARCHIVE_MIGRATION_SQL = `
  SELECT 1;
`;
