import { useState, type FormEvent, type ReactNode } from 'react';
import { USER_ROLES_VIEW } from './roles.js';
import type { UserRole } from '../../../../protocol/access.js';
import type { OrgItem, SiteItem } from '../../../../protocol/rest.js';
import type { PasswordResetRequest, UserCreateRequest, UserItem, UserUpdateRequest } from '../../../../protocol/users.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { orgPathName } from './org-tree.js';
import { FormFooter, OrgOptions } from './admin-form-parts.js';
import { useAction, useAdminList } from './use-admin-list.js';

/** The role's kind of scope: operators and regulators an org subtree, site users one site. */
function scopeKind(role: UserRole): 'org' | 'site' | 'none' {
  return role === 'operator' || role === 'regulator' ? 'org' : role === 'site' ? 'site' : 'none';
}

interface Draft {
  username: string;
  password: string;
  displayName: string;
  phone: string;
  role: UserRole;
  orgId: string;
  siteId: string;
}

function emptyDraft(): Draft {
  return { username: '', password: '', displayName: '', phone: '', role: 'operator', orgId: '', siteId: '' };
}

function draftOf(u: UserItem): Draft {
  return { username: u.username, password: '', displayName: u.displayName ?? '', phone: u.phone ?? '', role: u.role, orgId: u.orgId === null ? '' : String(u.orgId), siteId: u.siteId === null ? '' : String(u.siteId) };
}

/** Org and site pickers that follow the role. */
function ScopeFields({ draft, set, orgs, sites }: { draft: Draft; set: (d: Partial<Draft>) => void; orgs: readonly OrgItem[]; sites: readonly SiteItem[] }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const kind = scopeKind(draft.role);
  if (kind === 'org') {
    return (
      <label className="field">
        <span>{t('admin.user.org')}</span>
        <select required value={draft.orgId} onChange={(e) => set({ orgId: e.target.value })} data-testid="user-org">
          <option value="">{t('admin.pick')}</option>
          <OrgOptions orgs={orgs} />
        </select>
      </label>
    );
  }
  if (kind === 'site') {
    return (
      <label className="field">
        <span>{t('admin.user.site')}</span>
        <select required value={draft.siteId} onChange={(e) => set({ siteId: e.target.value })} data-testid="user-site">
          <option value="">{t('admin.pick')}</option>
          {sites.map((s) => (
            <option key={s.id} value={String(s.id)}>
              {s.name} · {orgPathName(orgs, s.orgId)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return <p className="muted small field-note">{t('admin.user.adminScope')}</p>;
}

function UserForm({ editing, orgs, sites, onSaved, onCancel }: { editing: UserItem | null; orgs: readonly OrgItem[]; sites: readonly SiteItem[]; onSaved: () => void; onCancel: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [draft, setDraft] = useState<Draft>(() => (editing ? draftOf(editing) : emptyDraft()));
  const set = (d: Partial<Draft>): void => setDraft((old) => ({ ...old, ...d }));
  const { busy, error, run } = useAction();
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const kind = scopeKind(draft.role);
    const scope = { orgId: kind === 'org' ? Number(draft.orgId) : null, siteId: kind === 'site' ? Number(draft.siteId) : null };
    const names = { displayName: draft.displayName.trim() === '' ? null : draft.displayName.trim(), phone: draft.phone.trim() === '' ? null : draft.phone.trim() };
    const ok = await run(async () => {
      if (editing) {
        const body: UserUpdateRequest = { role: draft.role, ...scope, ...names };
        await api.patch<UserItem>(`/api/users/${editing.id}`, body);
      } else {
        const body: UserCreateRequest = { username: draft.username.trim(), password: draft.password, role: draft.role, ...scope, ...names };
        await api.post<UserItem>('/api/users', body);
      }
    });
    if (ok) onSaved();
  };
  return (
    <form className="card admin-form" onSubmit={(e) => void onSubmit(e)} data-testid="user-form">
      <h2>{editing ? t('admin.user.edit', { name: editing.username }) : t('admin.user.create')}</h2>
      <div className="form-grid">
        {!editing && (
          <>
            <label className="field">
              <span>{t('login.username')}</span>
              <input required maxLength={64} pattern="[A-Za-z0-9_.@\-]+" value={draft.username} onChange={(e) => set({ username: e.target.value })} data-testid="user-username" />
            </label>
            <label className="field">
              <span>{t('login.password')}</span>
              <input required type="password" autoComplete="new-password" minLength={10} maxLength={256} value={draft.password} onChange={(e) => set({ password: e.target.value })} data-testid="user-password" />
            </label>
          </>
        )}
        <label className="field">
          <span>{t('admin.user.displayName')}</span>
          <input maxLength={128} value={draft.displayName} onChange={(e) => set({ displayName: e.target.value })} data-testid="user-display" />
        </label>
        <label className="field">
          <span>{t('admin.user.phone')}</span>
          <input maxLength={32} value={draft.phone} onChange={(e) => set({ phone: e.target.value })} />
        </label>
        <label className="field">
          <span>{t('admin.user.role')}</span>
          <select value={draft.role} onChange={(e) => set({ role: e.target.value as UserRole })} data-testid="user-role">
            {USER_ROLES_VIEW.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <ScopeFields draft={draft} set={set} orgs={orgs} sites={sites} />
      </div>
      {!editing && <p className="muted small">{t('admin.user.passwordRule')}</p>}
      <FormFooter busy={busy} error={error} onCancel={onCancel} submitTestId="user-submit" />
    </form>
  );
}

/** Inline new-password form of one user. */
function PasswordReset({ user, onDone }: { user: UserItem; onDone: (saved: boolean) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useSession();
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const body: PasswordResetRequest = { password };
        void run(async () => {
          await api.post<undefined>(`/api/users/${user.id}/password`, body);
        }).then((ok) => ok && onDone(true));
      }}
    >
      <input type="password" autoComplete="new-password" required minLength={10} maxLength={256} placeholder={t('admin.user.newPassword')} value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" className="primary" disabled={busy}>
        {t('admin.save')}
      </button>
      <button type="button" className="ghost" onClick={() => onDone(false)}>
        {t('admin.cancel')}
      </button>
      {error !== null && <span className="error small">{error}</span>}
    </form>
  );
}

/** 用户管理: every user with role and scope; create, edit, disable or enable, reset a password. */
export function UsersAdmin(): ReactNode {
  const i18n = useI18n();
  const { t, shortTime } = i18n;
  const { api, session } = useSession();
  const users = useAdminList<UserItem>('/api/users');
  const orgs = useAdminList<OrgItem>('/api/orgs');
  const sites = useAdminList<SiteItem>('/api/sites');
  const [form, setForm] = useState<{ editing: UserItem | null } | null>(null);
  const [resetting, setResetting] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const toggle = useAction();
  const siteName = (id: number | null): string => (id === null ? '' : (sites.items.find((s) => s.id === id)?.name ?? `#${id}`));

  return (
    <div className="admin-users">
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setForm({ editing: null })} data-testid="user-new">
          {t('admin.user.create')}
        </button>
        {notice !== null && <span className="ok-text">{notice}</span>}
        {toggle.error !== null && <span className="error">{toggle.error}</span>}
      </div>
      {form && (
        <UserForm
          key={form.editing?.id ?? 'new'}
          editing={form.editing}
          orgs={orgs.items}
          sites={sites.items}
          onCancel={() => setForm(null)}
          onSaved={() => {
            setNotice(t('admin.saved'));
            setForm(null);
            users.reload();
          }}
        />
      )}
      {users.error !== null && <p className="error">{users.error}</p>}
      <table className="table" data-testid="user-table">
        <thead>
          <tr>
            <th>{t('login.username')}</th>
            <th>{t('admin.user.displayName')}</th>
            <th>{t('admin.user.role')}</th>
            <th>{t('admin.user.scope')}</th>
            <th>{t('admin.user.phone')}</th>
            <th>{t('field.state')}</th>
            <th>{t('field.updated')}</th>
            <th>{t('admin.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {users.items.map((u) => (
            <tr key={u.id} data-testid="user-row" data-username={u.username} className={u.disabled ? 'disabled-row' : ''}>
              <td className="mono">{u.username}</td>
              <td>{u.displayName ?? '—'}</td>
              <td>{t(`role.${u.role}`)}</td>
              <td>{u.orgId !== null ? orgPathName(orgs.items, u.orgId) : u.siteId !== null ? siteName(u.siteId) : t('admin.user.everything')}</td>
              <td>{u.phone ?? '—'}</td>
              <td className={u.disabled ? 'fail' : 'ok'}>{u.disabled ? t('admin.user.disabled') : t('admin.user.enabled')}</td>
              <td className="nowrap">{shortTime(u.updatedAt)}</td>
              <td className="row-actions">
                {resetting === u.id ? (
                  <PasswordReset
                    user={u}
                    onDone={(saved) => {
                      setResetting(null);
                      if (saved) setNotice(t('admin.user.passwordSaved', { name: u.username }));
                    }}
                  />
                ) : (
                  <>
                    <button type="button" className="ghost" onClick={() => setForm({ editing: u })}>
                      {t('admin.edit')}
                    </button>
                    <button type="button" className="ghost" onClick={() => setResetting(u.id)}>
                      {t('admin.user.resetPassword')}
                    </button>
                    {u.id !== session?.user.id && (
                      <button
                        type="button"
                        className="ghost"
                        disabled={toggle.busy}
                        data-testid="user-toggle"
                        onClick={() =>
                          void toggle
                            .run(async () => {
                              await api.patch<UserItem>(`/api/users/${u.id}`, { disabled: !u.disabled } satisfies UserUpdateRequest);
                            })
                            .then((ok) => ok && users.reload())
                        }
                      >
                        {u.disabled ? t('admin.user.enable') : t('admin.user.disable')}
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
