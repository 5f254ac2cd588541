#!/usr/bin/env node
// Baseline servers for tools/bench/worker.mjs, NOT the worker: each answers `POST /` the way
// its label says, so the benchmark can put the real worker between a floor and a ceiling.
//
//   PORT=8081 node tools/bench/worker-baselines.mjs bare|express|codelab   (codelab also reads REDIS_URL, PREFIX)
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const kind = process.argv[2];
const port = Number(process.env.PORT ?? 8081);

const servers = {
  // The ceiling: node:http, read the body, JSON.parse, 200.
  async bare() {
    return createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        try {
          JSON.parse(body);
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
  },

  // What "just use Express" costs: Express 5 + express.json(), 200, nothing else.
  async express() {
    const { default: express } = await import('express');
    const app = express();
    app.use(express.json());
    app.post('/', (_req, res) => res.sendStatus(200));
    return createServer(app);
  },

  // CODELAB-STYLE BASELINE, written from the codelab's description (not its code): Express,
  // morgan logging every request to stdout, body-parser JSON, async randomBytes for the salt,
  // sha256, and an ioredis publish it does not wait for. Kept only to measure against.
  async codelab() {
    const { default: express } = await import('express');
    const { default: morgan } = await import('morgan');
    const { Redis } = await import('ioredis');
    const [host, redisPort] = (process.env.REDIS_URL ?? 'redis-cache-service:6379').split(':');
    const redis = new Redis({ host, port: Number(redisPort) });
    const prefix = process.env.PREFIX ?? '';
    const app = express();
    app.use(morgan('combined'));
    app.use(express.json());
    app.post('/', (req, res) => {
      const str = req.body.str;
      randomBytes(str.length, (err, buf) => {
        if (err) return res.sendStatus(500);
        const salt = buf.toString('hex').slice(0, str.length);
        const hash = createHash('sha256')
          .update(str + salt + new Date().getHours())
          .digest('base64');
        redis.publish('calculation', prefix + hash);
        res.sendStatus(200);
      });
    });
    app.get('/_healthz', (_req, res) => res.send('ok'));
    return createServer(app);
  },
};

if (!servers[kind]) {
  console.error(`usage: worker-baselines.mjs ${Object.keys(servers).join('|')}`);
  process.exit(2);
}
const server = await servers[kind]();
server.listen(port, () => console.error(`${kind} baseline listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
