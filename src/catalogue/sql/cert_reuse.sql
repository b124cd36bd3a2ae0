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
-- `served` is counted in separate passes on purpose: one pass over
-- certificate, key and total unpivoted by a join was faster (0.82 s
-- against 1.25 s on 1,000,000 endpoints) but counting distinct endpoints
-- over three times the rows took twice the memory (1.0 GiB against 0.47
-- GiB). Each kind has its own branch (not one branch per kind filtered
-- afterwards, which polars computed in full for both kinds) and the
-- running share is a window (not a join of the leaders with themselves,
-- which computed the leaders three times): 1.15 s → 0.60 s in polars.
WITH served AS (
    SELECT h.scan_id, h.ip, h.port, h.leaf_sha256, c.spki_sha256, c.subject_cn
    FROM handshakes h
    JOIN certificates c ON c.sha256 = h.leaf_sha256
    WHERE h.status = 'ok' AND h.ip IS NOT NULL
),
total AS (
    SELECT COUNT(*) AS endpoints_with_certificate
    FROM (SELECT DISTINCT ip, port FROM served) e
),
-- A leaf that did not parse has a null key: it falls out at the inner
-- join of `counted`.
cert_endpoints AS (
    SELECT leaf_sha256 AS sha256, COUNT(*) AS endpoints
    FROM (SELECT DISTINCT leaf_sha256, ip, port FROM served) e
    GROUP BY leaf_sha256
),
key_endpoints AS (
    SELECT spki_sha256 AS sha256, COUNT(*) AS endpoints
    FROM (SELECT DISTINCT spki_sha256, ip, port FROM served) e
    GROUP BY spki_sha256
),
cert_counts AS (
    SELECT leaf_sha256 AS sha256,
           MIN(subject_cn) AS example_cn,
           COUNT(*) AS endpoint_scans,
           COUNT(DISTINCT scan_id) AS scans,
           COUNT(DISTINCT leaf_sha256) AS certificates
    FROM served
    GROUP BY leaf_sha256
),
key_counts AS (
    SELECT spki_sha256 AS sha256,
           MIN(subject_cn) AS example_cn,
           COUNT(*) AS endpoint_scans,
           COUNT(DISTINCT scan_id) AS scans,
           COUNT(DISTINCT leaf_sha256) AS certificates
    FROM served
    GROUP BY spki_sha256
),
counted AS (
    SELECT 'certificate' AS kind, b.sha256, b.example_cn, c.endpoints, b.endpoint_scans, b.scans, b.certificates
    FROM cert_counts b JOIN cert_endpoints c ON c.sha256 = b.sha256
    UNION ALL
    SELECT 'key' AS kind, b.sha256, b.example_cn, k.endpoints, b.endpoint_scans, b.scans, b.certificates
    FROM key_counts b JOIN key_endpoints k ON k.sha256 = b.sha256
),
ranked AS (
    SELECT kind, sha256, example_cn, endpoints, endpoint_scans, scans, certificates,
           ROW_NUMBER() OVER (PARTITION BY kind ORDER BY 0 - endpoints, sha256) AS rank
    FROM counted
),
leaders AS (
    SELECT kind, rank, sha256, example_cn, endpoints, endpoint_scans, scans, certificates,
           SUM(endpoints) OVER (PARTITION BY kind ORDER BY rank) AS running_endpoints
    FROM ranked
    WHERE rank <= 25
)
SELECT t.kind,
       t.rank,
       t.sha256,
       t.example_cn,
       t.endpoints,
       t.endpoint_scans,
       t.scans,
       t.certificates,
       total.endpoints_with_certificate,
       CAST(t.endpoints AS DOUBLE) / total.endpoints_with_certificate AS share,
       CAST(t.running_endpoints AS DOUBLE) / total.endpoints_with_certificate AS cumulative_share
FROM leaders t
CROSS JOIN total
ORDER BY t.kind, t.rank
