-- cert_keys: the key and signature algorithm of the leaf certificate each
-- completed handshake presented, for all leaves and for trusted ones
-- (computed trust, the dataset's first trust setting).
-- One row: scan × subset ('all', 'trusted') × facet ('key': algorithm and
-- size; 'signature': signature algorithm) × value.
-- Denominator: completed TLS handshakes of the scan that presented a
-- certificate ('all'), or those whose chain is trusted ('trusted').
-- Endpoints are first counted per distinct chain, so the joins work on
-- distinct chains, not on endpoints.
-- A chain's hash covers its leaf, so handshakes are grouped by the chain
-- alone (one long key rather than two) and the leaf taken from the group.
WITH chains AS (
    SELECT scan_id, port, MIN(leaf_sha256) AS leaf_sha256, chain_hash, COUNT(*) AS endpoints
    FROM handshakes
    WHERE status = 'ok' AND leaf_sha256 IS NOT NULL
    GROUP BY scan_id, port, chain_hash
),
leaves AS (
    SELECT ch.scan_id,
           ch.port,
           ch.endpoints,
           COALESCE(c.key_alg, 'unknown') || ' ' || COALESCE(CAST(c.key_bits AS STRING), '?') AS key_value,
           COALESCE(c.sig_alg, 'unknown') AS sig_value,
           CASE WHEN ct.reason = 'ok' THEN 1 ELSE 0 END AS trusted
    FROM chains ch
    JOIN certificates c ON c.sha256 = ch.leaf_sha256
    LEFT JOIN (
        SELECT scan_id, chain_hash, reason
        FROM chain_trust
        WHERE setting_rank = 0
    ) ct ON ct.scan_id = ch.scan_id AND ct.chain_hash = ch.chain_hash
),
-- The leaves' facts, counted once; the facets and totals sum these few rows.
kinds AS (
    SELECT scan_id, port, key_value, sig_value, trusted, SUM(endpoints) AS endpoints
    FROM leaves
    GROUP BY scan_id, port, key_value, sig_value, trusted
),
facets AS (
    SELECT scan_id, port, 'all' AS subset, 'key' AS facet, key_value AS value, endpoints FROM kinds
    UNION ALL
    SELECT scan_id, port, 'all' AS subset, 'signature' AS facet, sig_value AS value, endpoints FROM kinds
    UNION ALL
    SELECT scan_id, port, 'trusted' AS subset, 'key' AS facet, key_value AS value, endpoints FROM kinds WHERE trusted = 1
    UNION ALL
    SELECT scan_id, port, 'trusted' AS subset, 'signature' AS facet, sig_value AS value, endpoints FROM kinds WHERE trusted = 1
),
totals AS (
    SELECT scan_id, 'all' AS subset, SUM(endpoints) AS leaves FROM kinds GROUP BY scan_id
    UNION ALL
    SELECT scan_id, 'trusted' AS subset, SUM(endpoints) AS leaves FROM kinds WHERE trusted = 1 GROUP BY scan_id
)
SELECT f.scan_id,
       f.port,
       f.subset,
       f.facet,
       f.value,
       f.endpoints AS endpoints,
       CAST(f.endpoints AS DOUBLE) / t.leaves AS share
FROM (
    SELECT scan_id, port, subset, facet, value, SUM(endpoints) AS endpoints
    FROM facets
    GROUP BY scan_id, port, subset, facet, value
) f
JOIN totals t ON t.scan_id = f.scan_id AND t.subset = f.subset
ORDER BY f.port, f.scan_id, f.subset, f.facet, endpoints DESC, f.value
