import Type, { type Static } from 'typebox';

/** Section of the cloud config: Recording playback requests and evidence exports. */
export const ArchiveConfig = Type.Object({}, { additionalProperties: false, default: {}, description: 'Recording playback requests and evidence exports.' });
export type ArchiveConfig = Static<typeof ArchiveConfig>;
