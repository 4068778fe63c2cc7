import { Suspense, useEffect, useMemo, type ReactNode } from 'react';
import type { Session } from './api/session.js';
import { SessionProvider, useSession } from './api/session-context.js';
import { TopBar } from './components/top-bar.js';
import { I18nProvider, useI18n } from './i18n/i18n.js';
import { LiveDataProvider } from './live/live-data.js';
import { LoginPage } from './pages/login-page.js';
import { Link, LocationProvider, useLocation } from './router/location.js';
import { pagesFor, resolveRoute } from './router/page-access.js';
import { PAGES } from './router/pages.js';

/** The pages of the signed-in user, chosen by role and permissions, under the top bar. */
function SignedIn({ session }: { session: Session }): ReactNode {
  const { manager, api } = useSession();
  const { path, navigate } = useLocation();
  const { t } = useI18n();
  const { user } = session;
  const viewer = useMemo(() => ({ role: user.role, permissions: user.permissions }), [user.role, user.permissions]);
  const pages = useMemo(() => pagesFor(PAGES, viewer), [viewer]);
  const route = resolveRoute(PAGES, viewer, path);
  const homeTo = route.kind === 'home' ? route.to : null;

  // `/` and `/login` lead to the role's home page.
  useEffect(() => {
    if (homeTo !== null) navigate(homeTo, { replace: true });
  }, [homeTo, navigate]);

  let body: ReactNode;
  if (route.kind === 'page') {
    const Page = route.page.component;
    body = (
      <Suspense fallback={<p className="muted pad">{t('common.loading')}</p>}>
        <Page rest={route.rest} />
      </Suspense>
    );
  } else {
    const text = route.kind === 'forbidden' ? t('page.forbidden') : route.kind === 'notFound' ? t('page.notFound') : pages.length === 0 ? t('page.noAccess') : t('common.loading');
    const home = route.kind === 'forbidden' || route.kind === 'notFound' ? resolveRoute(PAGES, viewer, '/') : null;
    body = (
      <div className="pad">
        <p className="muted notice" data-testid={`route-${route.kind}`}>
          {text}
        </p>
        {home?.kind === 'home' && home.to !== null && (
          <Link to={home.to} className="button ghost">
            {t('page.home')}
          </Link>
        )}
      </div>
    );
  }
  return (
    <LiveDataProvider api={api} auth={manager}>
      <div className="shell">
        <TopBar pages={pages} active={route.kind === 'page' ? route.page.id : null} />
        <main className="page">{body}</main>
      </div>
    </LiveDataProvider>
  );
}

function Root(): ReactNode {
  const { session } = useSession();
  return session ? <SignedIn session={session} /> : <LoginPage />;
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
