import { apiRequest } from './api-client';
import type { Credentials, User } from './types';

// Credentials go to the frontend's own auth routes, which keep the JWT in an httpOnly cookie and
// hand back only the user.

export async function logIn(credentials: Credentials): Promise<User> {
  return (await apiRequest<{ user: User }>('/api/auth/login', { method: 'POST', body: credentials })).user;
}

export async function signUp(credentials: Credentials): Promise<User> {
  return (await apiRequest<{ user: User }>('/api/auth/signup', { method: 'POST', body: credentials })).user;
}

export function logOut(): Promise<void> {
  return apiRequest<void>('/api/auth/logout', { method: 'POST' });
}

export function currentUser(): Promise<User> {
  return apiRequest<User>('/api/auth/me');
}
