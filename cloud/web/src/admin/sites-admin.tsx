import { useState, type FormEvent, type ReactNode } from 'react';
import type { OrgItem, SiteCreateRequest, SiteItem, SiteKind, SiteUpdateRequest } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { orgPathName } from './org-tree.js';
import { FormFooter, OrgOptions } from './admin-form-parts.js';
import { useAction, useAdminList } from './use-admin-list.js';

const SITE_KINDS = ['school_canteen', 'restaurant', 'worksite', 'public_area'] as const satisfies readonly SiteKind[];

function SiteForm({ editing, orgs, onSaved, onCancel }: { editing: SiteItem | null; orgs: readonly OrgItem[]; onSaved: () => void; onCancel: () => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState(editing?.name ?? '');
  const [kind, setKind] = useState<SiteKind>(editing?.kind ?? 'school_canteen');
  const [orgId, setOrgId] = useState(editing ? String(editing.orgId) : '');
  const [address, setAddress] = useState(editing?.address ?? '');
  const { busy, error, run } = useAction();
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const fields = { orgId: Number(orgId), name: name.trim(), kind, address: address.trim() === '' ? null : address.trim() };
    const ok = await run(async () => {
      if (editing) await api.patch<SiteItem>(`/api/sites/${editing.id}`, fields satisfies SiteUpdateRequest);
      else await api.post<SiteItem>('/api/sites', fields satisfies SiteCreateRequest);
    });
    if (ok) onSaved();
  };
  return (
    <form className="card admin-form" onSubmit={(e) => void onSubmit(e)} data-testid="site-form">
      <h2>{editing ? t('admin.site.edit', { name: editing.name }) : t('admin.site.create')}</h2>
      <div className="form-grid">
        <label className="field">
          <span>{t('admin.name')}</span>
          <input required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} data-testid="site-name" />
        </label>
        <label className="field">
          <span>{t('admin.site.kind')}</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as SiteKind)} data-testid="site-kind">
            {SITE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`siteKind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('admin.site.org')}</span>
          <select required value={orgId} onChange={(e) => setOrgId(e.target.value)} data-testid="site-org">
            <option value="">{t('admin.pick')}</option>
            <OrgOptions orgs={orgs} />
          </select>
        </label>
        <label className="field wide">
          <span>{t('admin.site.address')}</span>
          <input maxLength={256} value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
      </div>
      <FormFooter busy={busy} error={error} onCancel={onCancel} submitTestId="site-submit" />
    </form>
  );
}

/** 场所管理: sites with their org and kind; create and edit. */
export function SitesAdmin(): ReactNode {
  const { t, shortTime } = useI18n();
  const sites = useAdminList<SiteItem>('/api/sites');
  const orgs = useAdminList<OrgItem>('/api/orgs');
  const [form, setForm] = useState<{ editing: SiteItem | null } | null>(null);
  return (
    <div className="admin-sites">
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setForm({ editing: null })} data-testid="site-new">
          {t('admin.site.create')}
        </button>
      </div>
      {form && (
        <SiteForm
          key={form.editing?.id ?? 'new'}
          editing={form.editing}
          orgs={orgs.items}
          onCancel={() => setForm(null)}
          onSaved={() => {
            setForm(null);
            sites.reload();
          }}
        />
      )}
      {sites.error !== null && <p className="error">{sites.error}</p>}
      {sites.items.length === 0 && !sites.loading ? (
        <p className="muted">{t('admin.site.empty')}</p>
      ) : (
        <table className="table" data-testid="site-table">
          <thead>
            <tr>
              <th>{t('admin.name')}</th>
              <th>{t('admin.site.kind')}</th>
              <th>{t('admin.site.org')}</th>
              <th>{t('admin.site.address')}</th>
              <th>{t('field.updated')}</th>
              <th>{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {sites.items.map((s) => (
              <tr key={s.id} data-testid="site-row" data-name={s.name}>
                <td>{s.name}</td>
                <td>{t(`siteKind.${s.kind}`)}</td>
                <td>{orgPathName(orgs.items, s.orgId)}</td>
                <td>{s.address ?? '—'}</td>
                <td className="nowrap">{shortTime(s.updatedAt)}</td>
                <td className="row-actions">
                  <button type="button" className="ghost" onClick={() => setForm({ editing: s })}>
                    {t('admin.edit')}
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
