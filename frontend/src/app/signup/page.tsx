import type { Metadata } from 'next';

import { AuthForm } from '@/components/AuthForm';

export const metadata: Metadata = { title: 'Sign up · Todo' };

export default function SignupPage() {
  return (
    <main className="auth-page">
      <h1>Create your account</h1>
      <AuthForm mode="signup" />
    </main>
  );
}
