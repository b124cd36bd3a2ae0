-- cipher_negotiated: the cipher suite each completed handshake settled on,
-- with its classes (cipherscan family, testssl bucket, OpenSSL 1.0.2
-- strength) from the cipher_suites dimension.
-- One row: scan × negotiated suite, most frequent first.
-- Denominator: completed TLS handshakes of the scan (status 'ok').
-- Handshakes are read once: the denominator is the sum of the groups.
WITH n AS (
    SELECT scan_id, port, cipher_id, COUNT(*) AS endpoints
    FROM handshakes
    WHERE status = 'ok'
    GROUP BY scan_id, port, cipher_id
),
t AS (
    SELECT scan_id, SUM(endpoints) AS completed
    FROM n
    GROUP BY scan_id
)
SELECT n.scan_id,
       n.port,
       n.cipher_id,
       c.name,
       c.openssl_name,
       c.cipherscan_family,
       c.testssl_bucket,
       c.openssl_strength,
       n.endpoints AS endpoints,
       CAST(n.endpoints AS DOUBLE) / t.completed AS share
FROM n
LEFT JOIN cipher_suites c ON c.id = n.cipher_id
JOIN t ON t.scan_id = n.scan_id
ORDER BY n.port, n.scan_id, n.endpoints DESC, n.cipher_id
