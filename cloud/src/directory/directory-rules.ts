import type { DirectoryEntry } from '../db/directory-repo.js';
import { checkCameraGbId } from './gb28181-id.js';

/**
 * The extent of China's territory in WGS-84 degrees (Heilongjiang's Mohe to Zengmu Ansha, the Pamirs
 * to the Wusuli): a camera outside it has wrong coordinates, typically 0,0 or latitude and longitude
 * swapped.
 */
export const CHINA_EXTENT = Object.freeze({ minLongitude: 73.4, maxLongitude: 135.1, minLatitude: 3.8, maxLatitude: 53.6 });

/**
 * Why a camera's directory record is not compliant (目录合规): missing, incomplete or invalid. Empty
 * when it is complete and valid. The checks are those of the write path, applied again because a
 * record may have been stored incomplete on purpose (no GB id assigned yet) or under older rules.
 * @param siteExists whether the record's site exists
 */
export function directoryProblems(entry: DirectoryEntry | undefined, siteExists: boolean): string[] {
  if (!entry) return ['no directory record'];
  const problems: string[] = [];
  if (entry.gbId === null) problems.push('no GB/T 28181 id');
  else {
    const gb = checkCameraGbId(entry.gbId);
    if (!gb.ok) problems.push(`GB/T 28181 id ${entry.gbId}: ${gb.problem}`);
  }
  if (entry.name.trim() === '') problems.push('no name');
  if (!siteExists) problems.push(`site ${entry.siteId} does not exist`);
  const { longitude: lon, latitude: lat } = entry;
  if (lon === null || lat === null) problems.push('no coordinates');
  else if (
    lon < CHINA_EXTENT.minLongitude ||
    lon > CHINA_EXTENT.maxLongitude ||
    lat < CHINA_EXTENT.minLatitude ||
    lat > CHINA_EXTENT.maxLatitude
  ) {
    problems.push(`coordinates ${lon},${lat} (longitude,latitude) are outside China`);
  }
  return problems;
}
