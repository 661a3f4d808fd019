import { isIP } from 'node:net';

// The one rule for a URL the hub itself calls (an agency's JWKS, its OpenID issuer and the endpoints
// its discovery document names) and for whether a request reaches the hub on this machine:
// https, or plain http on this machine only (development).
//
// Host names are classified as written (after URL normalisation: `http://2130706433`,
// `http://0x7f.1` and `[::ffff:127.0.0.1]` are 127.0.0.1 and [::ffff:7f00:1] here). A DNS name that
// resolves to a loopback, link-local or private address is not caught: resolving it here would not
// bind the later connection to that answer, and the issuers the hub calls are set by its operator
// (setTenantIssuer, HUB_ADMIN only), who is trusted to name what they mean.

/** Where a host is, as far as its name says: the class of an address literal, or of a loopback name. */
export enum HostClass {
  /** this machine: localhost (and `localhost.`, `*.localhost`), 127/8, 0/8, `::1`, `::`, and their IPv4-mapped or -compatible forms */
  THIS_MACHINE = 'THIS_MACHINE',
  /** link-local: 169.254/16 (the cloud's metadata address among them), fe80::/10, and IPv4-mapped 169.254/16 */
  LINK_LOCAL = 'LINK_LOCAL',
  /** a private network: 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7, and IPv4-mapped private */
  PRIVATE = 'PRIVATE',
  /** anything else: a public address literal, or a DNS name (not resolved, see above) */
  PUBLIC = 'PUBLIC',
}

/** `hostname` as `new URL` writes it (lower case, IPv4 in dotted decimal, IPv6 bracketed and compressed); as given when it is not a host. */
function normalised(hostname: string): string {
  const h = hostname.trim();
  const bare = h.replace(/^\[|\]$/g, '');
  try {
    return new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : h}/`).hostname;
  } catch {
    return h.toLowerCase();
  }
}

function classOfIPv4(ip: string): HostClass {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127 || a === 0) return HostClass.THIS_MACHINE;
  if (a === 169 && b === 254) return HostClass.LINK_LOCAL;
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return HostClass.PRIVATE;
  return HostClass.PUBLIC;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 taken as two), or undefined. */
function groupsOfIPv6(ip: string): number[] | undefined {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = s.split('::');
  if (extra !== undefined) return undefined;
  const part = (p: string | undefined) => (p ? p.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

function classOfIPv6(ip: string): HostClass {
  const g = groupsOfIPv6(ip);
  if (!g) return HostClass.PUBLIC;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible, ::, ::1 among them): the IPv4 address's class
  if ((zeros(5) && g[5] === 0xffff) || zeros(6)) {
    if (zeros(7) && g[7] <= 1) return HostClass.THIS_MACHINE; // :: and ::1
    return classOfIPv4([g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join('.'));
  }
  if ((g[0] & 0xffc0) === 0xfe80) return HostClass.LINK_LOCAL;
  if ((g[0] & 0xfe00) === 0xfc00) return HostClass.PRIVATE;
  return HostClass.PUBLIC;
}

/** The class of a host name (bracketed IPv6 or not; normalised as `new URL` does first). */
export function hostClass(hostname: string): HostClass {
  const h = normalised(hostname);
  if (h === 'localhost' || h === 'localhost.' || /\.localhost\.?$/.test(h)) return HostClass.THIS_MACHINE;
  const bare = h.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return classOfIPv4(bare);
  if (isIP(bare) === 6) return classOfIPv6(bare);
  return HostClass.PUBLIC;
}

/** A host name on this machine (HostClass.THIS_MACHINE): localhost, any 127.x.x.x or 0.x.x.x, ::1, ::, IPv4-mapped loopback. */
export function isLoopbackHost(hostname: string): boolean {
  return hostClass(hostname) === HostClass.THIS_MACHINE;
}

/** An address literal of a private or link-local network (HostClass.PRIVATE or LINK_LOCAL). */
export function isPrivateAddressLiteral(hostname: string): boolean {
  const c = hostClass(hostname);
  return c === HostClass.PRIVATE || c === HostClass.LINK_LOCAL;
}

/**
 * Why the hub may not call `raw`, or undefined when it may: https, or plain http on this machine;
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
