-- cert_keys: the key and signature algorithm of the leaf certificate each
-- completed handshake presented, for all leaves and for trusted ones
-- (computed trust, the dataset's first trust setting).
-- One row: scan × subset ('all', 'trusted') × facet ('key': algorithm and
-- size; 'signature': signature algorithm) × value.
-- Denominator: completed TLS handshakes of the scan that presented a
-- certificate ('all'), or those whose chain is trusted ('trusted').
WITH leaves AS (
    SELECT h.scan_id,
           h.port,
           COALESCE(c.key_alg, 'unknown') || ' ' || COALESCE(CAST(c.key_bits AS VARCHAR), '?') AS key_value,
           COALESCE(c.sig_alg, 'unknown') AS sig_value,
           CASE WHEN ct.reason = 'ok' THEN 1 ELSE 0 END AS trusted
    FROM handshakes h
    JOIN certificates c ON c.sha256 = h.leaf_sha256
    LEFT JOIN (
        SELECT scan_id, chain_hash, reason
        FROM chain_trust
        WHERE setting_rank = 0
    ) ct ON ct.scan_id = h.scan_id AND ct.chain_hash = h.chain_hash
    WHERE h.status = 'ok'
),
facets AS (
    SELECT scan_id, port, 'all' AS subset, 'key' AS facet, key_value AS value FROM leaves
    UNION ALL
    SELECT scan_id, port, 'all' AS subset, 'signature' AS facet, sig_value AS value FROM leaves
    UNION ALL
    SELECT scan_id, port, 'trusted' AS subset, 'key' AS facet, key_value AS value FROM leaves WHERE trusted = 1
    UNION ALL
    SELECT scan_id, port, 'trusted' AS subset, 'signature' AS facet, sig_value AS value FROM leaves WHERE trusted = 1
),
totals AS (
    SELECT scan_id, 'all' AS subset, COUNT(*) AS leaves FROM leaves GROUP BY scan_id
    UNION ALL
    SELECT scan_id, 'trusted' AS subset, COUNT(*) AS leaves FROM leaves WHERE trusted = 1 GROUP BY scan_id
)
SELECT f.scan_id,
       f.port,
       f.subset,
       f.facet,
       f.value,
       f.endpoints,
       CAST(f.endpoints AS DOUBLE) / t.leaves AS share
FROM (
    SELECT scan_id, port, subset, facet, value, COUNT(*) AS endpoints
    FROM facets
    GROUP BY scan_id, port, subset, facet, value
) f
JOIN totals t ON t.scan_id = f.scan_id AND t.subset = f.subset
ORDER BY f.port, f.scan_id, f.subset, f.facet, f.endpoints DESC, f.value
