import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface SecuredProxy {
  /** `https://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  /** The PEM certificate of the CA that signed the proxy's own: what a client passes as `ssl.ca`. */
  readonly ca: string;
  /** The credentials it accepts; a test changes them to rotate the password under a running client. */
  credentials: Credentials;
  /** Requests answered 401 (no or wrong credentials), and requests passed on to the node. */
  readonly refused: number;
  readonly forwarded: number;
  close(): Promise<void>;
}

/** The `Authorization` value a client sends for these credentials (RFC 7617, UTF-8). */
export const basicAuthorization = ({ username, password }: Credentials) =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

/** Credentials for a test, the password with characters a URL must escape (its plain and encoded forms differ). */
export const testCredentials = (prefix: string): Credentials => ({
  username: 'sync-user',
  password: `${prefix}-${randomBytes(6).toString('hex')}@:/%`,
});

/** `url` with the credentials in it, percent-encoded, as a user writes them into OPENSEARCH_URL. */
export function withCredentials(url: string, { username, password }: Credentials): string {
  const withThem = new URL(url);
  withThem.username = encodeURIComponent(username);
  withThem.password = encodeURIComponent(password);
  return withThem.toString().replace(/\/$/, '');
}

/**
 * Every form in which these credentials could leak: the password, percent-encoded, inside the
 * base64 of a basic `Authorization` header, and in the URL that carries them.
 */
export const credentialForms = (url: string, credentials: Credentials): string[] => [
  credentials.password,
  encodeURIComponent(credentials.password),
  basicAuthorization(credentials).slice('Basic '.length),
  withCredentials(url, credentials),
];

/**
 * A CA made for this run and a certificate it signed for 127.0.0.1 and localhost, so a client must be
 * given the CA (`ssl.ca`) to trust the proxy, as with a cluster behind a private CA. `selfsigned`
 * signs them with Node's WebCrypto (through @peculiar/x509): no openssl binary, no slow JavaScript RSA.
 */
async function certificates(): Promise<{ ca: string; key: string; cert: string }> {
  const ca = await generate([{ name: 'commonName', value: 'search-sync test CA' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { ca: ca.cert, key: server.private, cert: server.cert };
}

/**
 * A secured endpoint in front of the plain local node: TLS with a certificate of a CA made for the
 * run, and basic authentication answered as the OpenSearch security plugin answers it (401 with a
 * `WWW-Authenticate` challenge, body `Unauthorized`). Authorised requests are streamed to the node
 * without their `Authorization` header.
 */
export async function startSecuredProxy(target: string, credentials: Credentials): Promise<SecuredProxy> {
  const upstream = new URL(target);
  const { ca, key, cert } = await certificates();
  let refused = 0;
  let forwarded = 0;
  const server: Server = createServer({ key, cert }, (req, res) => {
    if (req.headers.authorization !== basicAuthorization(state.credentials)) {
      refused++;
      req.resume();
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="OpenSearch Security"',
        'content-type': 'text/plain; charset=UTF-8',
      });
      res.end('Unauthorized');
      return;
    }
    forwarded++;
    const { authorization: _, ...headers } = req.headers;
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const state: SecuredProxy = {
    url: `https://127.0.0.1:${port}`,
    ca,
    credentials,
    get refused() {
      return refused;
    },
    get forwarded() {
      return forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}
