import Type, { type Static } from 'typebox';

/** Section of the cloud config: recording playback requests and evidence exports. */
export const ArchiveConfig = Type.Object(
  {
    maxRangeSeconds: Type.Integer({
      minimum: 10,
      maximum: 24 * 3600,
      default: 3600,
      description: 'Longest time range one recording request or export may ask an edge for, in seconds.',
    }),
    maxListRangeSeconds: Type.Integer({
      minimum: 60,
      maximum: 31 * 24 * 3600,
      default: 7 * 24 * 3600,
      description: 'Longest time range of a recordings listing (GET /api/cameras/:id/recordings), in seconds.',
    }),
    maxEventsPerExport: Type.Integer({ minimum: 1, maximum: 1000, default: 200, description: 'Most events one export may hold.' }),
    maxRecordingBytes: Type.Integer({
      minimum: 1_000_000,
      default: 2 * 1024 * 1024 * 1024,
      description: 'Largest recording file an edge may upload for one request, in bytes.',
    }),
    fetchTimeoutSeconds: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 600,
      description: 'How long a recording request waits for the edge to assemble and upload the range before it fails.',
    }),
    listTimeoutMs: Type.Integer({
      minimum: 500,
      maximum: 120_000,
      default: 10_000,
      description: 'How long a recordings listing waits for the edge to answer.',
    }),
    retentionHours: Type.Number({
      exclusiveMinimum: 0,
      maximum: 24 * 365,
      default: 24,
      description: 'Fetched recordings and built exports are deleted this long after they were requested (hours).',
    }),
    sweepIntervalSeconds: Type.Integer({
      minimum: 1,
      maximum: 24 * 3600,
      default: 300,
      description: 'How often expired recordings and exports are deleted.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Recording playback requests and evidence exports.' },
);
export type ArchiveConfig = Static<typeof ArchiveConfig>;
