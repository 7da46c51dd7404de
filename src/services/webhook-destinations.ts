import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where outbound webhooks (the campaign `webhook` step) may go (issue 8, security 2: SSRF). An
 * endpoint is `https` (plain `http` only with WEBHOOK_ALLOW_HTTP, for local runs) and its host must
 * not be, or resolve to, an address of this network: loopback, private, link-local (cloud metadata
 * at 169.254.169.254), CGNAT, multicast, unspecified, reserved, and their IPv6 forms (IPv4-mapped
 * included). WEBHOOK_ALLOWED_HOSTS names hosts that are let through anyway (a receiver on
 * 127.0.0.1 in tests and local runs). The URL parser turns hex, octal and decimal IPv4 spellings
 * (0x7f000001, 0177.0.0.1, 2130706433) into dotted form before any check, so they are judged as
 * what they are. At delivery the host is resolved again and every address checked in the socket's
 * own lookup, so what is connected to is what was checked (no DNS rebinding between check and
 * connect). Redirects are never followed.
 */

export interface WebhookDestinationPolicy {
  allowHttp: boolean;
  /** Hostnames or IP literals (lowercase, IPv6 without brackets) exempt from the address checks. */
  allowedHosts: readonly string[];
}

export const STRICT_WEBHOOK_POLICY: WebhookDestinationPolicy = Object.freeze({ allowHttp: false, allowedHosts: Object.freeze([]) });

export type DestinationRefusal = { reason: 'invalid_url' | 'scheme' | 'blocked_address' | 'unresolvable'; message: string };

const RANGES: Array<{ net: string; prefix: number; family: 'ipv4' | 'ipv6'; label: string; list: BlockList }> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64'],
  ['100::', 64, 'discard'],
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
].map(([net, prefix, label]) => {
  const family = isIP(net as string) === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(net as string, prefix as number, family);
  return { net: net as string, prefix: prefix as number, family, label: label as string, list };
});

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`), else null. */
function mappedIPv4(ip: string): string | null {
  // The URL parser writes any IPv6 spelling in its one canonical form.
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return null;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why this IP address must not be a webhook destination, or null when it may be. */
export function blockedAddressReason(ip: string): string | null {
  const family = isIP(ip);
  if (family === 0) return `${ip} is not an IP address`;
  if (family === 6) {
    const v4 = mappedIPv4(ip);
    if (v4) {
      const why = blockedAddressReason(v4);
      return why ? `${ip} maps to ${why}` : null;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = RANGES.find((r) => r.family === type && r.list.check(ip, type));
  return hit ? `${ip} is not a public address (${hit.label})` : null;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
}

const isAllowListed = (host: string, policy: WebhookDestinationPolicy) => policy.allowedHosts.some((h) => h.toLowerCase() === host);

/** What can be judged without resolving: the scheme, an IP-literal host, `localhost`. Null when fine. */
export function checkWebhookUrl(raw: string, policy: WebhookDestinationPolicy): DestinationRefusal | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'invalid_url', message: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return { reason: 'scheme', message: policy.allowHttp ? 'the URL must be http or https' : 'the URL must be https (plain http only with WEBHOOK_ALLOW_HTTP=true)' };
  }
  const host = hostOf(url);
  if (!host) return { reason: 'invalid_url', message: 'the URL has no host' };
  if (isAllowListed(host, policy)) return null;
  if (host === 'localhost' || host.endsWith('.localhost')) return { reason: 'blocked_address', message: `${host} is not a public host (loopback)` };
  if (isIP(host)) {
    const why = blockedAddressReason(host);
    if (why) return { reason: 'blocked_address', message: why };
  }
  return null;
}

/** Thrown by the guarded lookup (and so by the request) when the destination is refused. */
export class WebhookDestinationError extends Error {
  constructor(readonly refusal: DestinationRefusal) {
    super(refusal.message);
    this.name = 'WebhookDestinationError';
  }
}

/** A socket lookup that resolves like dns.lookup and refuses when any address is blocked. */
export function guardedLookup(policy: WebhookDestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const host = hostname.toLowerCase().replace(/\.$/, '');
      if (!isAllowListed(host, policy)) {
        if (addresses.length === 0) return callback(new WebhookDestinationError({ reason: 'unresolvable', message: `${host} resolves to no address` }), '', 0);
        for (const a of addresses) {
          const why = blockedAddressReason(a.address);
          if (why) return callback(new WebhookDestinationError({ reason: 'blocked_address', message: `${host} resolves to ${why}` }), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs a webhook under the policy: refused destinations throw WebhookDestinationError (before any
 * byte is sent), redirects come back as their 3xx status, never followed.
 */
export async function postWebhook(
  rawUrl: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
  policy: WebhookDestinationPolicy,
): Promise<{ status: number }> {
  const refusal = checkWebhookUrl(rawUrl, policy);
  if (refusal) throw new WebhookDestinationError(refusal);
  const url = new URL(rawUrl);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        lookup: guardedLookup(policy),
        signal: init.signal,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
