import { Suspense, useCallback, useEffect, type ReactNode } from 'react';
import { SessionProvider, useSession } from './api/session-context.js';
import { TopBar } from './components/top-bar.js';
import { I18nProvider, useI18n } from './i18n/i18n.js';
import { LiveDataProvider } from './live/live-data.js';
import { LoginPage } from './pages/login-page.js';
import { LocationProvider, useLocation } from './router/location.js';
import { matchPage, pagesFor } from './router/page-access.js';
import { PAGES } from './router/pages.js';

/** The pages of the signed-in user, chosen by role, under the top bar. */
function SignedIn(): ReactNode {
  const { session, api, logout } = useSession();
  const { path, navigate } = useLocation();
  const { t } = useI18n();
  const pages = pagesFor(PAGES, session?.role ?? '');
  const match = matchPage(pages, path);
  const home = pages[0]?.path;
  // Stable, or the live connection would be rebuilt on every render.
  const expire = useCallback(() => logout('expired'), [logout]);

  // `/`, `/login` and pages of other roles lead to the first page this role has.
  useEffect(() => {
    if (!match && home !== undefined && (path === '/' || path === '/login')) navigate(home, { replace: true });
  }, [match, home, path, navigate]);

  if (!session) return null;
  const Page = match?.page.component;
  return (
    <LiveDataProvider api={api} token={session.token} onUnauthorized={expire}>
      <div className="shell">
        <TopBar pages={pages} active={match?.page.id ?? null} />
        <main className="page">
          {Page ? (
            <Suspense fallback={<p className="muted pad">{t('common.loading')}</p>}>
              <Page rest={match.rest} />
            </Suspense>
          ) : (
            <p className="muted pad">{pages.length === 0 ? t('page.noAccess') : path === '/' || path === '/login' ? t('common.loading') : t('page.notFound')}</p>
          )}
        </main>
      </div>
    </LiveDataProvider>
  );
}

function Root(): ReactNode {
  const { session } = useSession();
  return session ? <SignedIn /> : <LoginPage />;
}

export function App(): ReactNode {
  return (
    <I18nProvider>
      <LocationProvider>
        <SessionProvider>
          <Root />
        </SessionProvider>
      </LocationProvider>
    </I18nProvider>
  );
}
