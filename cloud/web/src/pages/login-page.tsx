import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/api-client.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';

/** Username and password → a token in sessionStorage; the routed page shows once signed in. */
export function LoginPage(): ReactNode {
  const { t, lang, setLang } = useI18n();
  const { login, signedOutReason } = useSession();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') setError(t('login.wrong'));
      else if (err instanceof ApiError && err.code === 'RATE_LIMITED') setError(t('login.rateLimited'));
      else setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
      setBusy(false);
    }
  };

  const notice = error ?? (signedOutReason === 'expired' ? t('session.expired') : null);
  return (
    <div className="login-screen">
      <form className="card login" onSubmit={(e) => void onSubmit(e)} aria-labelledby="login-title">
        <div className="login-head">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">{t('app.brand')}</span>
            <span className="brand-sub">{t('app.subtitle')}</span>
          </div>
          <button type="button" className="ghost" data-testid="lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
            {t('lang.other')}
          </button>
        </div>
        <h1 id="login-title">{t('login.title')}</h1>
        <label>
          <span>{t('login.username')}</span>
          <input name="username" autoComplete="username" required maxLength={64} value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          <span>{t('login.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={256}
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {notice !== null && (
          <p className="error" role="alert" data-testid="login-error">
            {notice}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
