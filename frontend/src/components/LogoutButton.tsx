'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

import { logOut } from '@/lib/client/auth-api';

export function LogoutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);

  async function handleClick() {
    setBusy(true);
    try {
      await logOut();
    } catch {
      // Even if the server is unreachable, leaving the page is what the user asked for.
    } finally {
      // Leaving the task page unmounts it, dropping all in-memory task state with the session.
      router.replace('/login');
      router.refresh();
    }
  }

  return (
    <button type="button" onClick={handleClick} disabled={busy}>
      Log out
    </button>
  );
}
