import { describe, expect, it } from 'vitest';

import { readBackendUrl } from '@/lib/server/config';
import { secondsUntilExpiry } from '@/lib/server/jwt-expiry';

describe('BACKEND_URL parsing', () => {
  it('defaults to the local backend and strips trailing slashes', () => {
    expect(readBackendUrl({})).toEqual({ ok: true, url: 'http://localhost:8000' });
    expect(readBackendUrl({ BACKEND_URL: 'http://todo-backend:8000/' })).toEqual({
      ok: true,
      url: 'http://todo-backend:8000',
    });
  });

  it('rejects non-http schemes with a message naming the fix', () => {
    const result = readBackendUrl({ BACKEND_URL: 'ftp://files' });
    expect(result).toEqual({ ok: false, error: expect.stringContaining('must use http or https') });
  });
});

describe('session cookie lifetime', () => {
  const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

  it('follows the token expiry', () => {
    expect(secondsUntilExpiry(jwt({ exp: 1_000 + 600 }), 1_000_000)).toBe(600);
  });

  it('is a browser-session cookie when the token has no readable expiry', () => {
    expect(secondsUntilExpiry(jwt({ sub: '1' }))).toBeUndefined();
    expect(secondsUntilExpiry('opaque-token')).toBeUndefined();
  });
});
