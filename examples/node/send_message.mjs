// Sends a signed text message with Node's built-in fetch and crypto (Node 18+, no packages),
// and prints the HTTP status and the answer. Exit status 0 when the API answered 2xx.
//   JOINCHAT_BASE_URL    default http://127.0.0.1:3000 (local mode)
//   JOINCHAT_PAGE_ID     default 1234567890
//   JOINCHAT_API_SECRET  default demo-api-secret
//   JOINCHAT_PSID        the recipient's page-scoped id, default 24681357
//   JOINCHAT_SIGNATURE   timestamped (default) or classic (JoinChat's: the body alone)
import { createHmac } from 'node:crypto';

const setting = (name, fallback) => process.env[name] || fallback;
const baseUrl = setting('JOINCHAT_BASE_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const apiSecret = setting('JOINCHAT_API_SECRET', 'demo-api-secret');

// The exact bytes that are sent are the bytes that are signed.
const body = Buffer.from(JSON.stringify({
  page_id: setting('JOINCHAT_PAGE_ID', '1234567890'),
  recipient: { id: setting('JOINCHAT_PSID', '24681357') },
  message: { template_type: 'text', text: 'Hello from Node' },
}), 'utf8');

const headers = { 'content-type': 'application/json' };
const hmac = createHmac('sha256', Buffer.from(apiSecret, 'utf8'));
if (setting('JOINCHAT_SIGNATURE', 'timestamped') === 'classic') {
  hmac.update(body);
} else {
  const timestamp = Math.floor(Date.now() / 1000).toString();
  hmac.update(Buffer.from(`${timestamp}.`, 'utf8')).update(body);
  headers['x-joinchat-timestamp'] = timestamp;
}
headers['x-joinchat-signature'] = hmac.digest('base64');

try {
  const response = await fetch(`${baseUrl}/api/send_message`, {
    method: 'POST', headers, body, signal: AbortSignal.timeout(30_000),
  });
  console.log(`HTTP ${response.status}`);
  console.log(await response.text());
  process.exitCode = response.ok ? 0 : 1;
} catch (error) {
  console.error(`request failed: ${error.message}`);
  process.exitCode = 1;
}
