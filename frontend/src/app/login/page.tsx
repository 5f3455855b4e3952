import type { Metadata } from 'next';

import { AuthForm } from '@/components/AuthForm';

export const metadata: Metadata = { title: 'Log in · Todo' };

export default function LoginPage() {
  return (
    <main className="auth-page">
      <h1>Log in</h1>
      <AuthForm mode="login" />
    </main>
  );
}
