import { createHash, timingSafeEqual } from 'node:crypto';

/** The headers of a socket.io handshake that say where the page came from. */
export interface HandshakeOrigin {
  origin?: string;
  host?: string;
  /** `Sec-Fetch-Site`, sent by current browsers: `same-origin`, `same-site`, `cross-site` or `none`. */
  secFetchSite?: string;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/**
 * May this handshake open a socket? A page of this app (the Origin's host is the Host it asked
 * for) or of an origin in ALLOWED_ORIGINS may. Browsers always send Origin on a WebSocket and on
 * any cross-origin request that could read the answer; a request without Origin comes from a
 * client that is not a page (curl, a script), which the origin check cannot stop anyway, so it
 * may connect: it is read-only without the control key. `Sec-Fetch-Site: cross-site` without an
 * allowed Origin is refused too (a cross-origin GET in `no-cors` mode carries no Origin).
 */
export function checkOrigin(handshake: HandshakeOrigin, allowedOrigins: readonly string[]): OriginVerdict {
  const { origin, host, secFetchSite } = handshake;
  if (origin === undefined) {
    if (secFetchSite === 'cross-site' || secFetchSite === 'same-site')
      return { ok: false, reason: `a ${secFetchSite} request without an Origin header` };
    return { ok: true };
  }
  if (allowedOrigins.includes(origin)) return { ok: true };
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    // Includes "null": sandboxed frames, file:// pages, some redirects.
    return { ok: false, reason: `origin ${JSON.stringify(origin.slice(0, 100))} is not a URL` };
  }
  if (host !== undefined && originHost.toLowerCase() === host.toLowerCase()) return { ok: true };
  return { ok: false, reason: `origin ${origin.slice(0, 100)} is neither this page's nor in ALLOWED_ORIGINS` };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether a page presented the control key; constant time whatever it sent. */
export function presentsKey(presented: unknown, key: string): boolean {
  if (typeof presented !== 'string' || presented === '' || presented.length > 1024) return false;
  return timingSafeEqual(digest(presented), digest(key));
}
