<?php
// Receives JoinChat status callbacks (Standard Webhooks 1.0) with plain PHP: a router script for the
// built-in server (php -S 127.0.0.1:4000 receive_callback.php), or the handler of your callback_url
// under php-fpm/Apache.
// Verifies webhook-signature over "<webhook-id>.<webhook-timestamp>.<raw body>", refuses a timestamp
// more than 5 minutes from this clock, deduplicates by webhook-id, answers 204 (also to a duplicate,
// so the sender stops retrying) or 400, and prints one line per request to standard output:
//   accepted <type> <webhook-id> | duplicate <type> <webhook-id> | rejected <webhook-id> <reason>
// PHP keeps no memory between requests, so the last 10,000 ids are kept in a file (locked while
// read and written); in production, a unique key on webhook-id in your database does this.
//   JOINCHAT_CALLBACK_SECRET  the page's callback_secret (whsec_...), required
//   JOINCHAT_RECEIVER_STATE   the file of seen ids; default one per server process in the temp directory

const TOLERANCE_SECONDS = 300;
const MAX_REMEMBERED = 10000;

function respond($status, $line) {
    file_put_contents('php://stdout', $line . "\n");
    http_response_code($status);
    exit;
}

/** null when valid, else the reason. */
function verify($key, $id, $timestamp, $body, $signatureHeader, $now) {
    if (!ctype_digit($timestamp) || abs((int) $timestamp - $now) > TOLERANCE_SECONDS) {
        return 'stale timestamp';
    }
    $expected = hash_hmac('sha256', $id . '.' . $timestamp . '.' . $body, $key, true);
    foreach (explode(' ', $signatureHeader) as $entry) {
        $given = strncmp($entry, 'v1,', 3) === 0 ? base64_decode(substr($entry, 3), true) : false;
        if ($given !== false && hash_equals($expected, $given)) {
            return null;
        }
    }
    return 'bad signature';
}

/** True when $id was seen before; remembers it otherwise. */
function seenBefore($id) {
    $file = getenv('JOINCHAT_RECEIVER_STATE') ?: sys_get_temp_dir() . '/joinchat-receiver-' . getmypid() . '.ids';
    $handle = fopen($file, 'c+');
    flock($handle, LOCK_EX);
    $ids = array_filter(explode("\n", stream_get_contents($handle)), 'strlen');
    $seen = in_array($id, $ids, true);
    if (!$seen) {
        $ids = array_slice(array_merge($ids, [$id]), -MAX_REMEMBERED);
        ftruncate($handle, 0);
        rewind($handle);
        fwrite($handle, implode("\n", $ids) . "\n");
    }
    flock($handle, LOCK_UN);
    fclose($handle);
    return $seen;
}

$secret = getenv('JOINCHAT_CALLBACK_SECRET') ?: '';
if (strncmp($secret, 'whsec_', 6) !== 0) {
    respond(500, "JOINCHAT_CALLBACK_SECRET must be the page's callback_secret (whsec_...)");
}
$id = $_SERVER['HTTP_WEBHOOK_ID'] ?? '';
$timestamp = $_SERVER['HTTP_WEBHOOK_TIMESTAMP'] ?? '';
$signature = $_SERVER['HTTP_WEBHOOK_SIGNATURE'] ?? '';
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || $id === '' || $timestamp === '' || $signature === '') {
    respond(400, 'rejected ' . ($id === '' ? '-' : $id) . ' missing headers');
}
$body = file_get_contents('php://input'); // the raw bytes: verify before parsing
$reason = verify(base64_decode(substr($secret, 6)), $id, $timestamp, $body, $signature, time());
if ($reason !== null) {
    respond(400, "rejected $id $reason");
}
$type = json_decode($body, true)['type'] ?? '?';
if (seenBefore($id)) {
    respond(204, "duplicate $type $id");
}
// Handle the event here (data.status, data.message_id, ...); answer within 15 seconds.
respond(204, "accepted $type $id");
