import type { ReactNode } from 'react';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { Link, useLocation } from '../router/location.js';
import type { PageDef } from '../router/pages.js';
import { NoticeBell } from './notice-bell.js';

/** Brand, the role's pages, the notices, the live connection, the user, the language switch and sign-out. */
export function TopBar({ pages, active }: { pages: readonly PageDef[]; active: string | null }): ReactNode {
  const { t, lang, setLang } = useI18n();
  const { session, logout } = useSession();
  const { navigate } = useLocation();
  const user = session?.user;
  const { connection } = useLiveData();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{t('app.brand')}</span>
        <span className="brand-sub">{t('app.subtitle')}</span>
      </div>
      <nav className="nav" aria-label={t('nav.label')}>
        {pages.map((p) => (
          <Link key={p.id} to={p.path} className={p.id === active ? 'nav-link active' : 'nav-link'}>
            {t(p.nav)}
          </Link>
        ))}
      </nav>
      <div className="topbar-right">
        <NoticeBell />
        <span className="conn" data-state={connection} role="status">
          <span className="dot" aria-hidden="true" />
          {t(`conn.${connection}`)}
        </span>
        {user && (
          <span className="user" data-testid="user-badge" title={user.username}>
            {user.displayName ?? user.username} · {t(`role.${user.role}`)}
          </span>
        )}
        <button type="button" className="ghost" data-testid="lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
          {t('lang.other')}
        </button>
        <button
          type="button"
          className="ghost"
          data-testid="logout"
          onClick={() => {
            logout();
            // The next user of this screen starts on their own home page, not this user's last page.
            navigate('/', { replace: true });
          }}
        >
          {t('session.logout')}
        </button>
      </div>
    </header>
  );
}
