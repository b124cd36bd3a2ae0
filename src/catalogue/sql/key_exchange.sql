-- key_exchange: how completed handshakes agreed on keys: the key exchange
-- the negotiated suite defines, whether its ServerKeyExchange was logged,
-- DH prime sizes, the DH primes by name where well known, ECDH curves, and
-- export RSA key sizes.
-- One row: scan × facet × value (facets: kex, server_key_exchange,
-- dh_prime_bits, dh_group, ecdh_curve, rsa_export_bits).
-- kex comes from the suite (handshakes.kex, cipher_suites.kex_class): rsa
-- is RSA key transport; rsa_export and dhe_export the export kinds;
-- anon_dh and anon_ecdh unsigned ephemeral keys; unknown a suite the
-- record does not give or the table does not know.
-- server_key_exchange: logged, not_logged (the suite sends one but the
-- scanner did not record it, as ZGrab 1 event-log records never did), or
-- not_sent (the suite sends none).
-- The parameter facets cover the handshakes whose suite uses that kind of
-- exchange; 'not_logged' counts those without recorded parameters (never
-- folded into a value). dh_group 'unnamed' is a prime not in dh_groups.
-- Denominator: completed TLS handshakes of the scan (status 'ok'), for
-- every facet; ske_not_logged says how many of them had a ServerKeyExchange
-- that was not logged.
-- Handshakes are read once, into counts per combination of the columns
-- the facets read; every facet and the denominators are sums over those.
WITH ok AS (
    SELECT scan_id, port, kex, ske_logged, dh_prime_bits, dh_prime_sha256,
           ecdh_curve, rsa_export_bits, COUNT(*) AS n
    FROM (
        SELECT scan_id, port, kex,
               CASE WHEN server_kex IS NOT NULL THEN 1 ELSE 0 END AS ske_logged,
               dh_prime_bits, dh_prime_sha256, ecdh_curve, rsa_export_bits
        FROM handshakes
        WHERE status = 'ok'
    ) completed
    GROUP BY scan_id, port, kex, ske_logged, dh_prime_bits, dh_prime_sha256,
             ecdh_curve, rsa_export_bits
)
SELECT f.scan_id,
       f.port,
       f.facet,
       f.value,
       f.endpoints,
       CAST(f.endpoints AS DOUBLE) / t.completed AS share,
       t.completed,
       t.ske_not_logged
FROM (
    SELECT scan_id, port, 'kex' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT scan_id, port, COALESCE(kex, 'unknown') AS value, n
        FROM ok
    ) kex
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'server_key_exchange' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT scan_id, port,
               CASE
                   WHEN ske_logged = 1 THEN 'logged'
                   WHEN kex IN ('dhe', 'dhe_export', 'ecdhe', 'rsa_export', 'anon_dh', 'anon_ecdh')
                       THEN 'not_logged'
                   ELSE 'not_sent'
               END AS value,
               n
        FROM ok
    ) ske
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'dh_prime_bits' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT scan_id, port, COALESCE(CAST(dh_prime_bits AS STRING), 'not_logged') AS value, n
        FROM ok
        WHERE kex IN ('dhe', 'dhe_export', 'anon_dh') OR dh_prime_bits IS NOT NULL
    ) dh_bits
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'dh_group' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT h.scan_id, h.port,
               CASE
                   WHEN h.dh_prime_sha256 IS NULL THEN 'not_logged'
                   ELSE COALESCE(g.name, 'unnamed')
               END AS value,
               h.n
        FROM ok h
        LEFT JOIN dh_groups g ON g.prime_sha256 = h.dh_prime_sha256
        WHERE h.kex IN ('dhe', 'dhe_export', 'anon_dh') OR h.dh_prime_sha256 IS NOT NULL
    ) dh_group
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'ecdh_curve' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT scan_id, port, COALESCE(ecdh_curve, 'not_logged') AS value, n
        FROM ok
        WHERE kex IN ('ecdhe', 'anon_ecdh') OR ecdh_curve IS NOT NULL
    ) curve
    GROUP BY scan_id, port, value
    UNION ALL
    SELECT scan_id, port, 'rsa_export_bits' AS facet, value, SUM(n) AS endpoints
    FROM (
        SELECT scan_id, port, COALESCE(CAST(rsa_export_bits AS STRING), 'not_logged') AS value, n
        FROM ok
        WHERE kex = 'rsa_export' OR rsa_export_bits IS NOT NULL
    ) export_rsa
    GROUP BY scan_id, port, value
) f
JOIN (
    SELECT scan_id,
           SUM(n) AS completed,
           SUM(CASE
                   WHEN ske_logged = 0
                    AND kex IN ('dhe', 'dhe_export', 'ecdhe', 'rsa_export', 'anon_dh', 'anon_ecdh')
                   THEN n ELSE 0
               END) AS ske_not_logged
    FROM ok
    GROUP BY scan_id
) t ON t.scan_id = f.scan_id
ORDER BY f.port, f.scan_id, f.facet, f.endpoints DESC, f.value
