/**
 * Redis connections for the work queue: ioredis options from a `redis://` / `rediss://` URL (user, password, database,
 * TLS), a connection that fails with one line instead of retrying forever when the server cannot be reached at the
 * start, and the URL as it may be printed (password hidden).
 */
import { isIP } from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import { UsageError } from "../util/errors.ts";

/** Default Redis port when the URL gives none. */
const DEFAULT_REDIS_PORT = 6379;
/** Milliseconds a closing socket gets before it is destroyed. */
const DISCONNECT_MS = 200;
/** Seconds to wait for the first connection before giving up with a one-line error. */
const CONNECT_TIMEOUT_SECONDS = 10;

/** A parsed queue URL: ioredis options and a printable form. */
export interface QueueTarget {
  options: RedisOptions;
  /** The URL without its credentials (see {@link displayUrl}), for messages and logs. */
  display: string;
}

/**
 * Parse `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS, the host name checked against the
 * certificate) into ioredis options. Throws {@link UsageError} naming the problem.
 */
export function parseQueueUrl(text: string): QueueTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--queue "${redactUrlText(text)}": not a URL; give redis://HOST:PORT/DB or rediss://HOST:PORT/DB`);
  }
  const display = displayUrl(url);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new UsageError(`--queue "${display}": the scheme must be redis:// or rediss:// (TLS)`);
  }
  if (!url.hostname) throw new UsageError(`--queue "${display}": no host`);
  const dbText = url.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d+$/.test(dbText)) {
    throw new UsageError(`--queue "${display}": the path must be a database number (e.g. /0), not "/${dbText}"`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // IPv6 literals come bracketed
  const options: RedisOptions = {
    host,
    port: url.port ? Number(url.port) : DEFAULT_REDIS_PORT,
    db: dbText === "" ? 0 : Number(dbText),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    // TLS checks the certificate against the host; SNI takes host names only (RFC 6066), not IP addresses.
    ...(url.protocol === "rediss:" ? { tls: isIP(host) ? {} : { servername: host } } : {}),
  };
  return { options, display };
}

/**
 * A parsed queue URL as it may be printed: rebuilt from its parts (never from the text the user typed, whose
 * password may hold an unencoded `@`, `"` or space that the URL parser re-encodes), with the password as `***`,
 * a user name without a password also as `***` (it may be a password written in the wrong place), and no query or
 * fragment (ignored, and a place people put secrets).
 */
export function displayUrl(url: URL): string {
  const credentials = url.password ? `${url.username}:***@` : url.username ? "***@" : "";
  return `${url.protocol}//${credentials}${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}

/**
 * Text that did not parse as a URL, as it may be printed: everything between `scheme://` (or the start) and the
 * last `@` is replaced by `***`, so no credential survives whatever characters it holds.
 */
export function redactUrlText(text: string): string {
  const at = text.lastIndexOf("@");
  if (at < 0) return text;
  const scheme = text.indexOf("://");
  const from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  return `${text.slice(0, from)}***${text.slice(at)}`;
}

/**
 * Open a connection and wait until it is ready. BullMQ needs `maxRetriesPerRequest: null` on connections it blocks
 * on; after the first connection ioredis reconnects by itself. Fails with a one-line {@link UsageError} when the
 * server cannot be reached, refuses the password, or does not answer within {@link CONNECT_TIMEOUT_SECONDS}.
 */
export async function connectRedis(target: QueueTarget): Promise<Redis> {
  let lastError = "";
  let ready = false;
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    // A closed connection's socket is destroyed after this many ms if it does not close by itself (ioredis waits
    // 2 s by default, which holds a failed command's process open that long).
    disconnectTimeout: DISCONNECT_MS,
    // Before the first ready: give up (the CLI reports it); afterwards: keep reconnecting, up to 2 s apart.
    retryStrategy: (times) => (ready ? Math.min(100 * times, 2000) : null),
  });
  client.on("error", (err: Error) => {
    lastError ||= err.message; // the first error is the cause; later ones are its consequences
  });
  const timeout = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${CONNECT_TIMEOUT_SECONDS} s`)), CONNECT_TIMEOUT_SECONDS * 1000);
    t.unref();
  });
  try {
    await Promise.race([client.connect(), timeout]);
    await client.ping();
    ready = true;
  } catch (err) {
    client.disconnect();
    // The server's own error (a refused password, a refused connection) says more than "Connection is closed".
    const reason = lastError || (err instanceof Error ? err.message : String(err));
    throw new UsageError(`cannot use the queue at ${target.display}: ${oneLine(reason)}`);
  }
  return client;
}

/** First line of a message, without a trailing period. */
export function oneLine(message: string): string {
  return message.split("\n")[0].replace(/\.$/, "");
}
