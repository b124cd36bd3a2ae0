-- key_exchange: how completed handshakes agreed on keys: the server's key
-- exchange, DH prime sizes, the DH primes by name where well known, ECDH
-- curves, and export RSA key sizes.
-- One row: scan × facet × value (facets: kex, dh_prime_bits, dh_group,
-- ecdh_curve, rsa_export_bits). kex 'none' is RSA key transport (no
-- ServerKeyExchange); dh_group 'unnamed' is a prime not in dh_groups.
-- Denominator: completed TLS handshakes of the scan (status 'ok'), for
-- every facet; the DH and ECDH facets cover only the handshakes that used them.
SELECT f.scan_id,
       f.port,
       f.facet,
       f.value,
       f.endpoints,
       CAST(f.endpoints AS DOUBLE) / t.completed AS share
FROM (
    SELECT scan_id, port, 'kex' AS facet, value, COUNT(*) AS endpoints
    FROM (
        SELECT scan_id, port, COALESCE(server_kex, 'none') AS value
        FROM handshakes
        WHERE status = 'ok'
    ) kex
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'dh_prime_bits' AS facet, value, COUNT(*) AS endpoints
    FROM (
        SELECT scan_id, port, CAST(dh_prime_bits AS STRING) AS value
        FROM handshakes
        WHERE status = 'ok' AND dh_prime_bits IS NOT NULL
    ) dh_bits
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'dh_group' AS facet, value, COUNT(*) AS endpoints
    FROM (
        SELECT h.scan_id, h.port, COALESCE(g.name, 'unnamed') AS value
        FROM handshakes h
        LEFT JOIN dh_groups g ON g.prime_sha256 = h.dh_prime_sha256
        WHERE h.status = 'ok' AND h.dh_prime_sha256 IS NOT NULL
    ) dh_group
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'ecdh_curve' AS facet, value, COUNT(*) AS endpoints
    FROM (
        SELECT scan_id, port, ecdh_curve AS value
        FROM handshakes
        WHERE status = 'ok' AND ecdh_curve IS NOT NULL
    ) curve
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'rsa_export_bits' AS facet, value, COUNT(*) AS endpoints
    FROM (
        SELECT scan_id, port, CAST(rsa_export_bits AS STRING) AS value
        FROM handshakes
        WHERE status = 'ok' AND rsa_export_bits IS NOT NULL
    ) export_rsa
    GROUP BY scan_id, port, value
) f
JOIN (
    SELECT scan_id, COUNT(*) AS completed
    FROM handshakes
    WHERE status = 'ok'
    GROUP BY scan_id
) t ON t.scan_id = f.scan_id
ORDER BY f.port, f.scan_id, f.facet, f.endpoints DESC, f.value
