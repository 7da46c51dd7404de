import { useState, type FormEvent } from 'react';
import { api, setApiKey, signOut } from '../api';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setApiKey(key.trim());
    const { data, response } = await api.GET('/api/me').catch(() => ({ data: undefined, response: undefined }));
    setBusy(false);
    if (data) {
      sessionStorage.setItem('clento.organizationId', data.organizationId);
      onSignedIn();
      return;
    }
    signOut();
    setError(response?.status === 401 ? 'This API key is invalid, expired or revoked.' : 'The API could not be reached. Try again.');
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)}>
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          Clento outreach
        </div>
        <h1>Sign in</h1>
        <p className="muted">Paste your organization's API key. It is kept for this browser tab only.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          placeholder="clk_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
          required
        />
        {error && (
          <p id="signin-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary wide" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
