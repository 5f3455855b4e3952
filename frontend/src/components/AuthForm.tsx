'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

import { ApiError } from '@/lib/client/api-client';
import { logIn, signUp } from '@/lib/client/auth-api';

import { ErrorAlert } from './ErrorAlert';

type Mode = 'login' | 'signup';

const MIN_PASSWORD_LENGTH = 8;

const COPY: Record<Mode, { submit: string; busy: string; switchText: string; switchHref: string; switchLink: string }> = {
  login: { submit: 'Log in', busy: 'Logging in…', switchText: 'No account yet?', switchHref: '/signup', switchLink: 'Sign up' },
  signup: { submit: 'Sign up', busy: 'Creating account…', switchText: 'Already have an account?', switchHref: '/login', switchLink: 'Log in' },
};

/** E-mail + password form shared by the log-in and sign-up pages. */
export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const copy = COPY[mode];

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await (mode === 'login' ? logIn : signUp)({ email: email.trim(), password });
      // The session cookie is set now; the task page's route guard will let us through.
      router.replace('/');
      router.refresh();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');
      setBusy(false);
    }
  }

  return (
    <form className="card auth-form" onSubmit={handleSubmit} aria-describedby={error ? 'auth-error' : undefined}>
      <label htmlFor="email">E-mail</label>
      <input
        id="email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
        required
        // Mirrors the backend's rule so the browser flags a short password before the round trip.
        minLength={mode === 'signup' ? MIN_PASSWORD_LENGTH : undefined}
        aria-describedby={mode === 'signup' ? 'password-hint' : undefined}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      {mode === 'signup' ? (
        <p id="password-hint" className="muted">
          At least {MIN_PASSWORD_LENGTH} characters.
        </p>
      ) : null}
      <div id="auth-error">
        <ErrorAlert message={error} />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? copy.busy : copy.submit}
      </button>
      <p className="muted">
        {copy.switchText} <Link href={copy.switchHref}>{copy.switchLink}</Link>
      </p>
    </form>
  );
}
