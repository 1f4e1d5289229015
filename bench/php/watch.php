<?php
// bench/php/watch.php: the page flow of apivideo-watch for one private video, written as a
// site owner would write it in PHP with ext-curl. bench/bench runs it under PHP-FPM and as
// php-cgi beside the handler. Settings: APIVIDEO_API_URL and APIVIDEO_API_KEY.
declare(strict_types=1);

function answer(int $status, string $text): never
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    header('Cache-Control: no-store');
    echo $text, "\n";
    exit;
}

// One curl handle, kept in a static and reused for every call; its connections outlive the
// request only where PHP can keep them (a persistent share handle, PHP 8.5).
function curl_handle(): CurlHandle
{
    static $curl = null;
    if ($curl === null) {
        $curl = curl_init();
        curl_setopt_array($curl, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_CONNECTTIMEOUT_MS => 2000,
            CURLOPT_TIMEOUT_MS => 5000,
            CURLOPT_NOSIGNAL => true,
        ]);
        if (function_exists('curl_share_init_persistent')) {
            curl_setopt($curl, CURLOPT_SHARE, curl_share_init_persistent([CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_CONNECT]));
        }
    }
    return $curl;
}

// The JSON object at $url, or an error page naming $what.
function get_json(string $url, array $headers, string $what): array
{
    $curl = curl_handle();
    curl_setopt($curl, CURLOPT_URL, $url);
    curl_setopt($curl, CURLOPT_HTTPHEADER, $headers);
    $body = curl_exec($curl);
    if ($body === false) {
        answer(curl_errno($curl) === CURLE_OPERATION_TIMEDOUT ? 504 : 502, "$what: " . curl_error($curl));
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    if ($status === 404) {
        answer(404, 'Video not found');
    }
    $json = json_decode($body, true);
    if ($status !== 200 || !is_array($json)) {
        answer(502, "$what answered $status");
    }
    return $json;
}

$id = $_GET['id'] ?? '';
if (!is_string($id) || !preg_match('/^vi[0-9A-Za-z]{1,32}$/', $id)) {
    answer(400, 'Bad video id');
}
$api = rtrim((string)getenv('APIVIDEO_API_URL'), '/');
$key = (string)getenv('APIVIDEO_API_KEY');
if ($api === '' || $key === '') {
    answer(500, 'APIVIDEO_API_URL and APIVIDEO_API_KEY must be set');
}

$video = get_json("$api/videos/$id", ['Authorization: Basic ' . base64_encode("$key:")], 'video');
$assets = $video['assets'] ?? [];
$thumbnail = $assets['thumbnail'] ?? '';
// A private asset URL is {delivery host}/vod/{id}/token/{private token}/{file}.
if (!is_string($thumbnail)
    || !preg_match('#^(https?://[^/]+)/vod/([0-9A-Za-z]+)/token/([0-9a-f-]+)/#', $thumbnail, $m)) {
    answer(502, 'video: no private token in the asset URLs');
}
// The delivery host needs no key: it is never sent there.
$session = get_json("$m[1]/vod/$m[2]/token/$m[3]/session", [], 'session');
$avh = $session['session_token'] ?? null;
if (!is_string($avh) || $avh === '') {
    answer(502, 'session: no session_token');
}

$with_avh = fn(string $url): string => $url . (str_contains($url, '?') ? '&' : '?') . 'avh=' . rawurlencode($avh);
$e = fn(string $s): string => htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
$title = is_string($video['title'] ?? null) ? $video['title'] : $id;
$sources = [];
foreach (['hls' => 'application/x-mpegURL', 'mp4' => 'video/mp4'] as $kind => $type) {
    if (is_string($assets[$kind] ?? null)) {
        $sources[] = '<source src="' . $e($with_avh($assets[$kind])) . '" type="' . $type . '">';
    }
}

header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
header('X-Content-Type-Options: nosniff');
?>
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?= $e($title) ?></title>
</head>
<body>
<h1><?= $e($title) ?></h1>
<img src="<?= $e($with_avh($thumbnail)) ?>" alt="<?= $e($title) ?>" width="640" height="360">
<video controls preload="none" playsinline poster="<?= $e($with_avh($thumbnail)) ?>">
  <?= implode("\n  ", $sources) ?>

</video>
</body>
</html>
