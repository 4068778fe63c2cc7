import type { DirectoryRecord } from '../../../../protocol/rest.js';

/** A camera row: what an edge declared and/or what the directory holds. */
export interface CameraRow {
  cameraId: string;
  declaredName: string | null;
  record: DirectoryRecord | null;
}

/** Cameras the edges declared and directory records of cameras not (yet) declared, by id. */
export function cameraRows(declared: ReadonlyMap<string, { name: string }>, records: readonly DirectoryRecord[]): CameraRow[] {
  const rows = new Map<string, CameraRow>();
  for (const [id, c] of declared) rows.set(id, { cameraId: id, declaredName: c.name, record: null });
  for (const r of records) rows.set(r.cameraId, { cameraId: r.cameraId, declaredName: rows.get(r.cameraId)?.declaredName ?? null, record: r });
  return [...rows.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId));
}
