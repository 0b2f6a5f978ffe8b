<?php
// Sends a signed text message with PHP's curl extension, in the style of the JoinChat docs,
// and prints the HTTP status and the answer. Exit status 0 when the API answered 2xx.
//   JOINCHAT_BASE_URL    default http://127.0.0.1:3000 (local mode)
//   JOINCHAT_PAGE_ID     default 1234567890
//   JOINCHAT_API_SECRET  default demo-api-secret
//   JOINCHAT_PSID        the recipient's page-scoped id, default 24681357
//   JOINCHAT_SIGNATURE   timestamped (default) or classic (JoinChat's: the body alone)

function setting($name, $default) {
    $value = getenv($name);
    return ($value === false || $value === '') ? $default : $value;
}

// API管理中秘钥 (the page's api_secret)
define('API_SECRET', setting('JOINCHAT_API_SECRET', 'demo-api-secret'));
$baseUrl = rtrim(setting('JOINCHAT_BASE_URL', 'http://127.0.0.1:3000'), '/');

// 请求参数: the exact string that is posted is the string that is signed.
$params = json_encode([
    'page_id'   => setting('JOINCHAT_PAGE_ID', '1234567890'),
    'recipient' => ['id' => setting('JOINCHAT_PSID', '24681357')],
    'message'   => ['template_type' => 'text', 'text' => 'Hello from PHP'],
]);

$headers = ['Content-Type: application/json'];
if (setting('JOINCHAT_SIGNATURE', 'timestamped') === 'classic') {
    // 将参数和秘钥加密生成签名, exactly as on JoinChat (header spelled as in its docs)
    $sign = base64_encode(hash_hmac('sha256', $params, API_SECRET, true));
    $headers[] = 'x_joinchat_signature: ' . $sign;
} else {
    // Timestamped form: signs "<timestamp>." + body, so a captured request cannot be replayed later.
    $timestamp = (string) time();
    $sign = base64_encode(hash_hmac('sha256', $timestamp . '.' . $params, API_SECRET, true));
    $headers[] = 'x-joinchat-timestamp: ' . $timestamp;
    $headers[] = 'x-joinchat-signature: ' . $sign;
}

$ch = curl_init($baseUrl . '/api/send_message');
curl_setopt_array($ch, [
    CURLOPT_POST           => true,
    CURLOPT_POSTFIELDS     => $params,
    CURLOPT_HTTPHEADER     => $headers,
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT        => 30,
]);
$resp = curl_exec($ch);
if ($resp === false) {
    fwrite(STDERR, 'request failed: ' . curl_error($ch) . "\n");
    exit(1);
}
$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
curl_close($ch);

echo "HTTP $status\n$resp\n";
exit($status >= 200 && $status < 300 ? 0 : 1);
