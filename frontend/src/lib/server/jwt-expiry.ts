// Reads the `exp` claim of a JWT WITHOUT verifying it. That is safe here because the value only
// sets the cookie's lifetime; the backend verifies the signature on every request.

/** Seconds until the token expires, or undefined when it carries no usable `exp`. */
export function secondsUntilExpiry(token: string, nowMs: number = Date.now()): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown }).exp;
    if (typeof exp !== 'number') return undefined;
    return Math.max(0, Math.floor(exp - nowMs / 1000));
  } catch {
    return undefined;
  }
}
