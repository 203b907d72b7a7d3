/**
 * DNS rebinding protection: a web page can point its own domain at 127.0.0.1, but its
 * requests still carry that domain in `Host`. Only loopback names (and names the user
 * listed) are accepted.
 */
export function isAllowedHost(hostHeader: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!hostHeader) return false;
  const name = hostName(hostHeader).toLowerCase();
  if (name === 'localhost' || name === '[::1]' || name === '::1' || name.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  return allowedHosts.includes(name);
}

/** `Host` without its port; IPv6 literals keep their brackets. */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * No permissive CORS: a request that names an `Origin` comes from a browser page, and a page
 * must not be able to spend the user's keys. Command-line tools and SDKs send no Origin.
 */
export function isAllowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  return origin === undefined || allowedOrigins.includes(origin);
}
