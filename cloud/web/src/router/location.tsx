import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/** The current client route and a way to change it. */
export interface Location {
  /** Path without query, e.g. `/events/0190…`. */
  path: string;
  query: URLSearchParams;
  /** Pushes a history entry (or replaces the current one) and re-renders the routed page. */
  navigate: (to: string, opts?: { replace?: boolean }) => void;
}

const LocationContext = createContext<Location | null>(null);

function current(): { path: string; search: string } {
  return { path: window.location.pathname, search: window.location.search };
}

/**
 * History-API routing: real paths (/alerts, /events/<id>) so a wall can be bookmarked per page; the
 * cloud answers every client path with index.html.
 */
export function LocationProvider({ children }: { children: ReactNode }): ReactNode {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const onPop = (): void => setLoc(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, opts?: { replace?: boolean }) => {
    if (opts?.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLoc(current());
  }, []);
  const value = useMemo<Location>(
    () => ({ path: loc.path, query: new URLSearchParams(loc.search), navigate }),
    [loc, navigate],
  );
  return <LocationContext.Provider value={value}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  const ctx = useContext(LocationContext);
  if (!ctx) throw new Error('useLocation outside LocationProvider');
  return ctx;
}

/** An in-app link: a real <a href> (middle-click, copy link) that navigates without a reload. */
export function Link({ to, className, children, title }: { to: string; className?: string; children: ReactNode; title?: string }): ReactNode {
  const { navigate } = useLocation();
  return (
    <a
      href={to}
      className={className}
      title={title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
