import { isIP } from 'node:net';

// The one rule for a URL the hub itself calls (an agency's JWKS, its OpenID issuer and the endpoints
// its discovery document names) and for whether a request reaches the hub on this machine:
// https, or plain http on loopback only (development).

/** A host name on this machine: localhost, any 127.x.x.x, ::1 (bracketed or not). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1';
}

/** An address literal of a private, link-local or unspecified network (10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, 0/8, fc00::/7, fe80::/10, ::, and any IPv4-mapped ::ffff:). */
export function isPrivateAddressLiteral(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(h) === 4) {
    const [a, b] = h.split('.').map(Number);
    return a === 0 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) return h === '::' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h) || h.startsWith('::ffff:');
  return false;
}

/**
 * Why the hub may not call `raw`, or undefined when it may: https, or plain http on a loopback host;
 * never plain http to a private or link-local address literal.
 */
export function remoteUrlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (u.username || u.password) return 'must not carry a user name or password';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return 'must use https (plain http only on loopback, for development)';
}
