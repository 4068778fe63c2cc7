import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { DirectoryRecord, DirectoryRecordInput, OrgItem, SiteItem } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { cameraRows, type CameraRow } from './camera-rows.js';
import { orgPathName } from './org-tree.js';
import { FormFooter } from './admin-form-parts.js';
import { useAction, useAdminList } from './use-admin-list.js';

function DirectoryForm({ row, sites, orgs, onSaved, onCancel }: { row: CameraRow; sites: readonly SiteItem[]; orgs: readonly OrgItem[]; onSaved: () => void; onCancel: () => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useSession();
  const r = row.record;
  const [name, setName] = useState(r?.name ?? row.declaredName ?? '');
  const [siteId, setSiteId] = useState(r ? String(r.siteId) : '');
  const [gbId, setGbId] = useState(r?.gbId ?? '');
  const [lon, setLon] = useState(r?.longitude == null ? '' : String(r.longitude));
  const [lat, setLat] = useState(r?.latitude == null ? '' : String(r.latitude));
  const { busy, error, run } = useAction();
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const body: DirectoryRecordInput = {
      name: name.trim(),
      siteId: Number(siteId),
      gbId: gbId.trim() === '' ? null : gbId.trim(),
      longitude: lon.trim() === '' ? null : Number(lon),
      latitude: lat.trim() === '' ? null : Number(lat),
    };
    const ok = await run(async () => {
      await api.put<DirectoryRecord>(`/api/cameras/${encodeURIComponent(row.cameraId)}/directory`, body);
    });
    if (ok) onSaved();
  };
  return (
    <form className="card admin-form" onSubmit={(e) => void onSubmit(e)} data-testid="directory-form">
      <h2>{t('admin.dir.edit', { id: row.cameraId })}</h2>
      <div className="form-grid">
        <label className="field">
          <span>{t('admin.name')}</span>
          <input required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} data-testid="dir-name" />
        </label>
        <label className="field">
          <span>{t('admin.dir.site')}</span>
          <select required value={siteId} onChange={(e) => setSiteId(e.target.value)} data-testid="dir-site">
            <option value="">{t('admin.pick')}</option>
            {sites.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name} · {orgPathName(orgs, s.orgId)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('admin.dir.gbId')}</span>
          <input inputMode="numeric" pattern="[0-9]{20}" maxLength={20} placeholder={t('admin.dir.gbIdHint')} value={gbId} onChange={(e) => setGbId(e.target.value)} data-testid="dir-gbid" />
        </label>
        <label className="field">
          <span>{t('admin.dir.longitude')}</span>
          <input type="number" step="any" min={-180} max={180} value={lon} onChange={(e) => setLon(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('admin.dir.latitude')}</span>
          <input type="number" step="any" min={-90} max={90} value={lat} onChange={(e) => setLat(e.target.value)} />
        </label>
      </div>
      <FormFooter busy={busy} error={error} onCancel={onCancel} submitTestId="dir-submit" />
    </form>
  );
}

/** 摄像机目录: every camera with its site, GB/T 28181 id and coordinates; assign and correct. */
export function DirectoryAdmin(): ReactNode {
  const { t } = useI18n();
  const { cameras } = useLiveData();
  const records = useAdminList<DirectoryRecord>('/api/directory');
  const sites = useAdminList<SiteItem>('/api/sites');
  const orgs = useAdminList<OrgItem>('/api/orgs');
  const [editing, setEditing] = useState<string | null>(null);
  const rows = useMemo(() => cameraRows(cameras, records.items), [cameras, records.items]);
  const editRow = rows.find((r) => r.cameraId === editing);
  const siteName = (id: number): string => sites.items.find((s) => s.id === id)?.name ?? `#${id}`;
  return (
    <div className="admin-directory">
      {editRow && (
        <DirectoryForm
          key={editRow.cameraId}
          row={editRow}
          sites={sites.items}
          orgs={orgs.items}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            records.reload();
          }}
        />
      )}
      {records.error !== null && <p className="error">{records.error}</p>}
      {rows.length === 0 && !records.loading ? (
        <p className="muted">{t('cameras.empty')}</p>
      ) : (
        <table className="table" data-testid="directory-table">
          <thead>
            <tr>
              <th>{t('field.id')}</th>
              <th>{t('admin.name')}</th>
              <th>{t('admin.dir.site')}</th>
              <th>{t('admin.dir.gbId')}</th>
              <th>{t('admin.dir.coords')}</th>
              <th>{t('admin.dir.compliance')}</th>
              <th>{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.cameraId} data-testid="directory-row" data-camera-id={row.cameraId}>
                <td className="mono">{row.cameraId}</td>
                <td>{row.record?.name ?? row.declaredName ?? '—'}</td>
                <td>{row.record ? siteName(row.record.siteId) : <span className="muted">{t('health.unassigned')}</span>}</td>
                <td className="mono">{row.record?.gbId ?? '—'}</td>
                <td className="nowrap">{row.record && row.record.longitude !== null && row.record.latitude !== null ? `${row.record.longitude.toFixed(5)}, ${row.record.latitude.toFixed(5)}` : '—'}</td>
                <td className={row.record && row.record.problems.length === 0 ? 'ok' : 'fail'}>
                  {row.record === null ? t('admin.dir.noRecord') : row.record.problems.length === 0 ? t('admin.dir.compliant') : row.record.problems.join('；')}
                </td>
                <td className="row-actions">
                  <button type="button" className="ghost" onClick={() => setEditing(row.cameraId)} data-testid="dir-edit">
                    {row.record ? t('admin.edit') : t('admin.dir.assign')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
