import { useState, type FormEvent, type ReactNode } from 'react';
import type { OrgCreateRequest, OrgItem, OrgKind, OrgUpdateRequest } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { orgTreeRows, subtreeIds } from './org-tree.js';
import { FormFooter, OrgOptions } from './admin-form-parts.js';
import { useAction, useAdminList } from './use-admin-list.js';

/** Levels, top down; the cloud refuses a child that is not below its parent. */
const ORG_KINDS = ['city', 'district', 'street', 'bureau'] as const satisfies readonly OrgKind[];

function OrgForm({ editing, orgs, parentId, onSaved, onCancel }: { editing: OrgItem | null; orgs: readonly OrgItem[]; parentId: number | null; onSaved: () => void; onCancel: () => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState(editing?.name ?? '');
  const parentKind = orgs.find((o) => o.id === parentId)?.kind;
  const [kind, setKind] = useState<OrgKind>(editing?.kind ?? (parentKind === undefined ? 'city' : parentKind === 'city' ? 'district' : 'street'));
  const [parent, setParent] = useState(String(editing ? (editing.parentId ?? '') : (parentId ?? '')));
  const { busy, error, run } = useAction();
  // An org cannot move under itself or its own descendants.
  const excluded = editing ? subtreeIds(orgs, editing.id) : new Set<number>();
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const parentValue = parent === '' ? null : Number(parent);
    const ok = await run(async () => {
      if (editing) {
        const body: OrgUpdateRequest = { name: name.trim(), kind, parentId: parentValue };
        await api.patch<OrgItem>(`/api/orgs/${editing.id}`, body);
      } else {
        const body: OrgCreateRequest = { name: name.trim(), kind, parentId: parentValue };
        await api.post<OrgItem>('/api/orgs', body);
      }
    });
    if (ok) onSaved();
  };
  return (
    <form className="card admin-form" onSubmit={(e) => void onSubmit(e)} data-testid="org-form">
      <h2>{editing ? t('admin.org.edit', { name: editing.name }) : t('admin.org.create')}</h2>
      <div className="form-grid">
        <label className="field">
          <span>{t('admin.name')}</span>
          <input required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} data-testid="org-name" />
        </label>
        <label className="field">
          <span>{t('admin.org.kind')}</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as OrgKind)} data-testid="org-kind">
            {ORG_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`orgKind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('admin.org.parent')}</span>
          <select value={parent} onChange={(e) => setParent(e.target.value)} data-testid="org-parent">
            <option value="">{t('admin.org.root')}</option>
            <OrgOptions orgs={orgs} exclude={excluded} />
          </select>
        </label>
      </div>
      <FormFooter busy={busy} error={error} onCancel={onCancel} submitTestId="org-submit" />
    </form>
  );
}

/** 组织机构: the org tree; create (at the root or under an org), rename, change level, move. */
export function OrgsAdmin(): ReactNode {
  const { t } = useI18n();
  const orgs = useAdminList<OrgItem>('/api/orgs');
  const [form, setForm] = useState<{ editing: OrgItem | null; parentId: number | null } | null>(null);
  const rows = orgTreeRows(orgs.items);
  return (
    <div className="admin-orgs">
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setForm({ editing: null, parentId: null })} data-testid="org-new">
          {t('admin.org.create')}
        </button>
      </div>
      {form && (
        <OrgForm
          key={`${form.editing?.id ?? 'new'}-${form.parentId ?? ''}`}
          editing={form.editing}
          parentId={form.parentId}
          orgs={orgs.items}
          onCancel={() => setForm(null)}
          onSaved={() => {
            setForm(null);
            orgs.reload();
          }}
        />
      )}
      {orgs.error !== null && <p className="error">{orgs.error}</p>}
      {rows.length === 0 && !orgs.loading ? (
        <p className="muted">{t('admin.org.empty')}</p>
      ) : (
        <ul className="org-tree" data-testid="org-tree">
          {rows.map(({ org, depth }) => (
            <li key={org.id} style={{ paddingLeft: `${depth * 28 + 8}px` }} data-testid="org-row" data-name={org.name}>
              <span className="org-name">{org.name}</span>
              <span className="badge">{t(`orgKind.${org.kind}`)}</span>
              <span className="row-actions">
                <button type="button" className="ghost" onClick={() => setForm({ editing: null, parentId: org.id })}>
                  {t('admin.org.addChild')}
                </button>
                <button type="button" className="ghost" onClick={() => setForm({ editing: org, parentId: org.parentId })}>
                  {t('admin.org.editMove')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
