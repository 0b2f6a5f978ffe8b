// Receives JoinChat status callbacks (Standard Webhooks 1.0) with Node's built-in http and crypto
// (Node 18+, no packages).
// Verifies webhook-signature over "<webhook-id>.<webhook-timestamp>.<raw body>", refuses a timestamp
// more than 5 minutes from this clock, deduplicates by webhook-id (in memory, the last 10,000), answers
// 204 (also to a duplicate, so the sender stops retrying) or 400, and prints one line per request:
//   accepted <type> <webhook-id> | duplicate <type> <webhook-id> | rejected <webhook-id> <reason>
//   JOINCHAT_CALLBACK_SECRET  the page's callback_secret (whsec_...), required
//   JOINCHAT_RECEIVER_PORT    or the first argument; default 4000 (listens on 127.0.0.1 only)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const TOLERANCE_SECONDS = 5 * 60;
const MAX_REMEMBERED = 10_000;
const MAX_BODY = 256 * 1024;

const secret = process.env.JOINCHAT_CALLBACK_SECRET || '';
if (!secret.startsWith('whsec_')) {
  console.error("JOINCHAT_CALLBACK_SECRET must be the page's callback_secret (whsec_...)");
  process.exit(2);
}
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const port = Number(process.argv[2] || process.env.JOINCHAT_RECEIVER_PORT || 4000);
const seen = new Set(); // insertion order: the oldest first

/** null when valid, else the reason. */
function verify(id, timestamp, body, signatureHeader, now) {
  if (!/^[0-9]+$/.test(timestamp) || Math.abs(Number(timestamp) - now) > TOLERANCE_SECONDS) {
    return 'stale timestamp';
  }
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  const matches = signatureHeader.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const given = Buffer.from(entry.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'bad signature';
}

function answer(response, status, line) {
  console.log(line);
  response.writeHead(status, { 'content-length': 0 }).end();
}

createServer((request, response) => {
  const chunks = [];
  let size = 0;
  request.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  request.on('end', () => {
    const id = request.headers['webhook-id'] || '';
    const timestamp = request.headers['webhook-timestamp'] || '';
    const signature = request.headers['webhook-signature'] || '';
    if (request.method !== 'POST' || !id || !timestamp || !signature || size > MAX_BODY) {
      return answer(response, 400, `rejected ${id || '-'} missing headers or too large`);
    }
    const body = Buffer.concat(chunks); // the raw bytes: verify before parsing
    const reason = verify(id, timestamp, body, signature, Math.floor(Date.now() / 1000));
    if (reason) return answer(response, 400, `rejected ${id} ${reason}`);
    const type = JSON.parse(body.toString('utf8')).type;
    if (seen.has(id)) return answer(response, 204, `duplicate ${type} ${id}`);
    seen.add(id);
    if (seen.size > MAX_REMEMBERED) seen.delete(seen.values().next().value);
    // Handle the event here (data.status, data.message_id, ...); answer within 15 seconds.
    return answer(response, 204, `accepted ${type} ${id}`);
  });
}).listen(port, '127.0.0.1', function listening() {
  console.log(`listening on http://127.0.0.1:${this.address().port}/`);
});
