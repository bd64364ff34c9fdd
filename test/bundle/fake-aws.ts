/**
 * A fake AWS endpoint on 127.0.0.1 for the bundled rotator: one HTTP server for every service, which the
 * SDK v3 clients inside the bundle reach through `AWS_ENDPOINT_URL`. Requests are told apart by protocol:
 * - ECS and SSM speak JSON 1.1, DynamoDB JSON 1.0: `x-amz-target: <ServicePrefix>.<Operation>`, a JSON body and answer;
 * - Auto Scaling and SNS (awsQuery) and EC2 (ec2Query) post a form `Action=<Operation>&Version=...` and are
 *   answered in XML, each in its own envelope.
 * Every request is recorded with the service that signed it (SigV4 credential scope), so a test can
 * assert what the engine asked, of whom, and that a request was signed for the right service.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';

export type Service = 'ecs' | 'ssm' | 'dynamodb' | 'autoscaling' | 'ec2' | 'sns';

export interface RecordedCall {
  readonly service: Service | 'unknown';
  readonly action: string;
  /** JSON services: the parsed body. Query services: the form fields. */
  readonly params: Record<string, unknown>;
  /** The service and region of the SigV4 credential scope, e.g. `us-east-1/ecs`. */
  readonly signedFor?: string;
}

/** JSON services answer an object; query services an XML fragment placed inside the response envelope. */
export type Handler = (params: Record<string, any>) => unknown;

export interface FakeAwsRoutes {
  readonly ecs?: Record<string, Handler>;
  readonly ssm?: Record<string, Handler>;
  readonly dynamodb?: Record<string, Handler>;
  readonly autoscaling?: Record<string, Handler>;
  readonly ec2?: Record<string, Handler>;
  readonly sns?: Record<string, Handler>;
}

export interface FakeAws {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  readonly url: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

const JSON_TARGET_PREFIX: Partial<Record<string, Service>> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonSSM: 'ssm',
  DynamoDB_20120810: 'dynamodb',
};

/** The `Version` each query service posts; it tells Auto Scaling from EC2 on a shared host. */
const QUERY_VERSION: Partial<Record<string, Service>> = {
  '2011-01-01': 'autoscaling',
  '2016-11-15': 'ec2',
  '2010-03-31': 'sns',
};

const XMLNS: Record<'autoscaling' | 'ec2' | 'sns', string> = {
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
};

export async function startFakeAws(routes: FakeAwsRoutes): Promise<FakeAws> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const signedFor = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
      const scope = signedFor ? `${signedFor[1]}/${signedFor[2]}` : undefined;
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const [prefix, action] = target.split('.');
        const service = JSON_TARGET_PREFIX[prefix] ?? 'unknown';
        const params = body ? JSON.parse(body) as Record<string, unknown> : {};
        calls.push({ service, action, params, signedFor: scope });
        const handler = service === 'unknown' ? undefined : routes[service]?.[action];
        res.setHeader('content-type', service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1');
        res.setHeader('x-amzn-requestid', 'fake-request-id');
        if (!handler) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `fake AWS does not serve ${target}` }));
          return;
        }
        res.end(JSON.stringify(handler(params)));
        return;
      }

      const form = Object.fromEntries(new URLSearchParams(body));
      const action = form.Action ?? '';
      const service = QUERY_VERSION[form.Version ?? ''] ?? 'unknown';
      calls.push({ service, action, params: form, signedFor: scope });
      const handler = service === 'unknown' ? undefined : routes[service]?.[action];
      res.setHeader('content-type', 'text/xml');
      if (!handler) {
        res.statusCode = 400;
        res.end(service === 'ec2'
          ? `<Response><Errors><Error><Code>InvalidAction</Code><Message>fake AWS does not serve ${action}</Message></Error></Errors><RequestID>fake</RequestID></Response>`
          : `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>fake AWS does not serve ${action}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`);
        return;
      }
      const inner = String(handler(form));
      res.end(service === 'autoscaling' || service === 'sns'
        // awsQuery: <XResponse><XResult>...</XResult><ResponseMetadata/></XResponse>
        ? `<${action}Response xmlns="${XMLNS[service]}"><${action}Result>${inner}</${action}Result>` +
          `<ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></${action}Response>`
        // ec2Query: no Result wrapper, camelCase members, lists as <xSet><item>.
        : `<${action}Response xmlns="${XMLNS.ec2}"><requestId>fake-request-id</requestId>${inner}</${action}Response>`);
    }).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections(); // the SDK keeps connections alive
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `<tag>value</tag>`, the value escaped. */
export function el(tag: string, value: string | number | boolean): string {
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** An element whose children are already XML. */
export function raw(tag: string, ...children: string[]): string {
  return `<${tag}>${children.join('')}</${tag}>`;
}

/** Query list members: `Filter.1.Value.1`, `Filter.1.Value.2`, ... for prefix `Filter.1.Value`. */
export function queryList(form: Record<string, string>, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; form[`${prefix}.${i}`] !== undefined; i++) values.push(form[`${prefix}.${i}`]);
  return values;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The process environment of a run against the fake endpoint: every AWS, Powertools and engine variable of the
 * test process removed, then only the fake endpoint and fake credentials (no profile, config file or instance
 * metadata is read) and the engine's variables given.
 */
export function useFakeAwsEnvironment(url: string, engine: Record<string, string>): void {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_') || name.startsWith('POWERTOOLS_') || name.startsWith('ECS_AMI_REFRESHER_')) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_CONFIG_FILE: path.join(__dirname, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(__dirname, 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...engine,
  });
}
