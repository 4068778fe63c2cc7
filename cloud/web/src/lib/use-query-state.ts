import { useCallback } from 'react';
import { useLocation } from '../router/location.js';

/**
 * Changes some parameters of the page's query string in place (null removes one), replacing the
 * history entry: filters are part of the URL, so a view can be bookmarked, without flooding history.
 */
export function useQueryUpdate(): (changes: Record<string, string | null>) => void {
  const { query, navigate, path } = useLocation();
  return useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(query);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === '') next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      navigate(qs ? `${path}?${qs}` : path, { replace: true });
    },
    [query, navigate, path],
  );
}
