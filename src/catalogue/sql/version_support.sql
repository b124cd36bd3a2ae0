-- version_support: which protocol versions the endpoints of each port
-- accept, from cipher-suite enumeration (sslyze, cipherscan): the paper's
-- protocol-version figure. An endpoint accepts a version when any suite
-- tried with it was accepted; its best version is the highest it accepts.
-- One row: port × protocol × version tried.
-- Denominator: TLS endpoints of the port (`tls_endpoints`: endpoints that
-- accepted at least one suite in some version); `tested` of them were
-- tried with this version, `not_tested` were not (their answer for it is
-- unknown, not "no").
WITH endpoint_versions AS (
    SELECT scan_id, target, version,
           MAX(port) AS port,
           MAX(protocol) AS protocol,
           MAX(CASE WHEN result = 'accepted' THEN 1 ELSE 0 END) AS accepted
    FROM cipher_support
    GROUP BY scan_id, target, version
),
endpoints AS (
    SELECT scan_id, target,
           MAX(port) AS port,
           MAX(protocol) AS protocol,
           MAX(accepted) AS tls,
           MAX(CASE WHEN accepted = 1 THEN version END) AS best
    FROM endpoint_versions
    GROUP BY scan_id, target
),
totals AS (
    SELECT port, protocol, COUNT(*) AS tls_endpoints
    FROM endpoints
    WHERE tls = 1
    GROUP BY port, protocol
),
per_version AS (
    SELECT e.port, e.protocol, v.version,
           COUNT(*) AS tested,
           SUM(v.accepted) AS accepting
    FROM endpoint_versions v
    JOIN endpoints e ON e.scan_id = v.scan_id AND e.target = v.target
    WHERE e.tls = 1
    GROUP BY e.port, e.protocol, v.version
),
best AS (
    SELECT port, protocol, best AS version, COUNT(*) AS best_endpoints
    FROM endpoints
    WHERE tls = 1
    GROUP BY port, protocol, best
)
SELECT p.port,
       p.protocol,
       p.version,
       CASE
           WHEN p.version = 2 THEN 'SSLv2'
           WHEN p.version = 768 THEN 'SSLv3'
           WHEN p.version = 769 THEN 'TLSv1.0'
           WHEN p.version = 770 THEN 'TLSv1.1'
           WHEN p.version = 771 THEN 'TLSv1.2'
           WHEN p.version = 772 THEN 'TLSv1.3'
           ELSE 'other'
       END AS version_name,
       t.tls_endpoints,
       p.tested,
       t.tls_endpoints - p.tested AS not_tested,
       p.accepting,
       CAST(p.accepting AS DOUBLE) / t.tls_endpoints AS accepting_share,
       COALESCE(b.best_endpoints, 0) AS best,
       CAST(COALESCE(b.best_endpoints, 0) AS DOUBLE) / t.tls_endpoints AS best_share
FROM per_version p
JOIN totals t ON t.port = p.port AND t.protocol = p.protocol
LEFT JOIN best b ON b.port = p.port AND b.protocol = p.protocol AND b.version = p.version
ORDER BY p.port, p.protocol, p.version
