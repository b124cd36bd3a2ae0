-- cert_reuse: the certificates and public keys served by the most
-- endpoints across every scan of the dataset — device default keys,
-- hosting providers' certificates, keys kept through renewals — and the
-- share of endpoints behind the top ones.
-- One row: a certificate or key (SubjectPublicKeyInfo) among the 25
-- served by the most distinct endpoints of its kind.
-- Denominator: distinct endpoints (address and port) that completed a
-- handshake with a certificate in any scan (`endpoints_with_certificate`).
-- `endpoint_scans` counts every scan of an endpoint; `cumulative_share`
-- adds the shares of ranks 1 to this one (an endpoint that served two of
-- them over time counts under each). A leaf that did not parse has no key.
-- The handshakes are read once: each served leaf is counted under its
-- certificate, its key and `all` (the denominator) in one aggregation.
WITH served AS (
    SELECT h.scan_id,
           h.ip || ':' || CAST(h.port AS STRING) AS endpoint,
           h.leaf_sha256,
           c.spki_sha256,
           c.subject_cn
    FROM handshakes h
    JOIN certificates c ON c.sha256 = h.leaf_sha256
    WHERE h.status = 'ok' AND h.ip IS NOT NULL
),
kinds AS (
    SELECT 'certificate' AS kind
    UNION ALL SELECT 'key' AS kind
    UNION ALL SELECT 'all' AS kind
),
counted AS (
    SELECT kind,
           sha256,
           MIN(subject_cn) AS example_cn,
           COUNT(DISTINCT endpoint) AS endpoints,
           COUNT(*) AS endpoint_scans,
           COUNT(DISTINCT scan_id) AS scans,
           COUNT(DISTINCT leaf_sha256) AS certificates
    FROM (
        SELECT k.kind,
               CASE k.kind
                   WHEN 'certificate' THEN s.leaf_sha256
                   WHEN 'key' THEN s.spki_sha256
                   ELSE 'all'
               END AS sha256,
               s.subject_cn,
               s.endpoint,
               s.scan_id,
               s.leaf_sha256
        FROM served s CROSS JOIN kinds k
    ) u
    WHERE sha256 IS NOT NULL
    GROUP BY kind, sha256
),
ranked AS (
    SELECT kind, sha256, example_cn, endpoints, endpoint_scans, scans, certificates,
           ROW_NUMBER() OVER (PARTITION BY kind ORDER BY 0 - endpoints, sha256) AS rank,
           MAX(CASE WHEN kind = 'all' THEN endpoints END) OVER () AS endpoints_with_certificate
    FROM counted
),
leaders AS (
    SELECT * FROM ranked WHERE rank <= 25 AND kind <> 'all'
),
running AS (
    SELECT a.kind, a.rank, SUM(b.endpoints) AS running_endpoints
    FROM leaders a
    CROSS JOIN leaders b
    WHERE b.kind = a.kind AND b.rank <= a.rank
    GROUP BY a.kind, a.rank
)
SELECT t.kind,
       t.rank,
       t.sha256,
       t.example_cn,
       t.endpoints,
       t.endpoint_scans,
       t.scans,
       t.certificates,
       t.endpoints_with_certificate,
       CAST(t.endpoints AS DOUBLE) / t.endpoints_with_certificate AS share,
       CAST(r.running_endpoints AS DOUBLE) / t.endpoints_with_certificate AS cumulative_share
FROM leaders t
JOIN running r ON r.kind = t.kind AND r.rank = t.rank
ORDER BY t.kind, t.rank
