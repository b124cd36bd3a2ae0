-- shared_certs: the certificates and public keys (SPKI) served by the most
-- endpoints: device defaults and vendor keys that thousands of hosts share.
-- One row: a certificate or SPKI among the 25 most served of its kind,
-- across all scans.
-- Denominator: completed TLS handshakes that presented a certificate, all scans.
-- Endpoints are first counted per scan and leaf, so the join works on
-- distinct leaves, not on endpoints.
WITH per_leaf AS (
    SELECT scan_id, leaf_sha256, COUNT(*) AS endpoints
    FROM handshakes
    WHERE status = 'ok' AND leaf_sha256 IS NOT NULL
    GROUP BY scan_id, leaf_sha256
),
served AS (
    SELECT p.scan_id, p.leaf_sha256, p.endpoints, c.spki_sha256, c.subject_cn
    FROM per_leaf p
    JOIN certificates c ON c.sha256 = p.leaf_sha256
),
total AS (
    SELECT SUM(endpoints) AS tls_endpoints FROM served
),
ranked AS (
    SELECT kind,
           sha256,
           example_cn,
           endpoints,
           certificates,
           scans,
           ROW_NUMBER() OVER (PARTITION BY kind ORDER BY 0 - endpoints, sha256) AS rank
    FROM (
        SELECT 'certificate' AS kind,
               leaf_sha256 AS sha256,
               MIN(subject_cn) AS example_cn,
               SUM(endpoints) AS endpoints,
               COUNT(DISTINCT leaf_sha256) AS certificates,
               COUNT(DISTINCT scan_id) AS scans
        FROM served
        GROUP BY leaf_sha256
        UNION ALL
        SELECT 'spki' AS kind,
               spki_sha256 AS sha256,
               MIN(subject_cn) AS example_cn,
               SUM(endpoints) AS endpoints,
               COUNT(DISTINCT leaf_sha256) AS certificates,
               COUNT(DISTINCT scan_id) AS scans
        FROM served
        WHERE spki_sha256 IS NOT NULL
        GROUP BY spki_sha256
    ) grouped
)
SELECT r.kind,
       r.rank,
       r.sha256,
       r.example_cn,
       r.endpoints,
       r.certificates,
       r.scans,
       CAST(r.endpoints AS DOUBLE) / total.tls_endpoints AS share
FROM ranked r
CROSS JOIN total
WHERE r.rank <= 25
ORDER BY r.kind, r.rank
