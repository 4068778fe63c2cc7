import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { AuditItem, AuditListResponse, UserItem } from '../../../../protocol/users.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { auditQuery, EMPTY_AUDIT_FILTER as EMPTY, type AuditFilter } from './audit-query.js';
import { useAdminList } from './use-admin-list.js';

/** 审计日志: the append-only audit log, newest first, with filters; older pages on demand. */
export function AuditAdmin(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api } = useSession();
  const users = useAdminList<UserItem>('/api/users');
  const [draft, setDraft] = useState<AuditFilter>(EMPTY);
  const [filter, setFilter] = useState<AuditFilter>(EMPTY);
  const [items, setItems] = useState<readonly AuditItem[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (f: AuditFilter, before: number | null, signal?: AbortSignal): Promise<void> => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<AuditListResponse>(auditQuery(f, before), signal);
        setItems((held) => (before === null ? page.items : [...held, ...page.items]));
        setNext(page.nextBefore);
      } catch (err) {
        if (signal?.aborted) return;
        setError(errorText(err, i18n));
      } finally {
        setLoading(false);
      }
    },
    [api, i18n],
  );
  useEffect(() => {
    const abort = new AbortController();
    void load(filter, null, abort.signal);
    return () => abort.abort();
  }, [filter, load]);

  const set = (d: Partial<AuditFilter>): void => setDraft((old) => ({ ...old, ...d }));
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setFilter(draft);
  };
  return (
    <div className="admin-audit">
      <form className="toolbar" onSubmit={onSubmit} data-testid="audit-filter">
        <label>
          <span>{t('audit.from')}</span>
          <input type="datetime-local" value={draft.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label>
          <span>{t('audit.to')}</span>
          <input type="datetime-local" value={draft.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <label>
          <span>{t('audit.user')}</span>
          <select value={draft.userId} onChange={(e) => set({ userId: e.target.value })} data-testid="audit-user">
            <option value="">{t('common.all')}</option>
            {users.items.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('audit.action')}</span>
          <input size={14} placeholder="auth.login" pattern="[a-z][a-z0-9_.]*" value={draft.action} onChange={(e) => set({ action: e.target.value })} data-testid="audit-action" />
        </label>
        <label>
          <span>{t('audit.target')}</span>
          <input size={8} placeholder="user" pattern="[a-z_]+" value={draft.targetKind} onChange={(e) => set({ targetKind: e.target.value })} />
          <input size={10} placeholder={t('field.id')} value={draft.targetId} onChange={(e) => set({ targetId: e.target.value })} />
        </label>
        <button type="submit" className="primary" data-testid="audit-apply">
          {t('audit.apply')}
        </button>
        <button
          type="button"
          className="ghost"
          onClick={() => {
            setDraft(EMPTY);
            setFilter(EMPTY);
          }}
        >
          {t('audit.reset')}
        </button>
      </form>
      {error !== null && <p className="error">{error}</p>}
      <table className="table" data-testid="audit-table">
        <thead>
          <tr>
            <th>{t('field.time')}</th>
            <th>{t('audit.user')}</th>
            <th>{t('audit.action')}</th>
            <th>{t('audit.target')}</th>
            <th>{t('audit.outcome')}</th>
            <th>{t('audit.ip')}</th>
            <th>{t('audit.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} data-testid="audit-row" data-action={a.action}>
              <td className="nowrap">{time(a.at)}</td>
              <td>
                {a.username ?? '—'}
                {a.role !== null && <span className="muted small"> · {i18n.tKnown(`role.${a.role}`, a.role)}</span>}
              </td>
              <td>
                {i18n.tKnown(`audit.act.${a.action}`, a.action)} <span className="muted mono small">{a.action}</span>
              </td>
              <td className="mono small">{a.targetKind === null ? '—' : `${a.targetKind}${a.targetId === null ? '' : ` ${a.targetId}`}`}</td>
              <td className={a.outcome === 'ok' ? 'ok' : 'fail'}>{t(`audit.outcome.${a.outcome}`)}</td>
              <td className="mono small">{a.clientIp ?? '—'}</td>
              <td className="mono small detail-cell" title={a.detail ? JSON.stringify(a.detail) : ''}>
                {a.detail ? JSON.stringify(a.detail) : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && !loading && <p className="muted pad">{t('audit.empty')}</p>}
      {(loading || next !== null) && (
        <div className="more">
          <button type="button" className="ghost" disabled={loading} onClick={() => void load(filter, next)}>
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}
