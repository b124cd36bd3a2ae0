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
-- The leaves' facts, counted once; the facets are these few rows
-- unpivoted by a join with the subsets and facets (read once, not once
-- per facet), and each share's denominator is its facet's sum.
kinds AS (
    SELECT scan_id, port, key_value, sig_value, trusted, SUM(endpoints) AS endpoints
    FROM leaves
    GROUP BY scan_id, port, key_value, sig_value, trusted
),
subsets AS (
    SELECT 'all' AS subset
    UNION ALL SELECT 'trusted' AS subset
),
facet_names AS (
    SELECT 'key' AS facet
    UNION ALL SELECT 'signature' AS facet
),
facets AS (
    SELECT k.scan_id,
           k.port,
           s.subset,
           f.facet,
           CASE f.facet WHEN 'key' THEN k.key_value ELSE k.sig_value END AS value,
           SUM(k.endpoints) AS endpoints
    FROM kinds k
    CROSS JOIN subsets s
    CROSS JOIN facet_names f
    WHERE s.subset = 'all' OR k.trusted = 1
    GROUP BY k.scan_id, k.port, s.subset, f.facet,
             CASE f.facet WHEN 'key' THEN k.key_value ELSE k.sig_value END
)
SELECT scan_id,
       port,
       subset,
       facet,
       value,
       endpoints,
       CAST(endpoints AS DOUBLE) / SUM(endpoints) OVER (PARTITION BY scan_id, subset, facet) AS share
FROM facets
ORDER BY port, scan_id, subset, facet, endpoints DESC, value
