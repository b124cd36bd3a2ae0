-- version_negotiated: the protocol version each completed handshake settled on.
-- One row: scan × negotiated version.
-- Denominator: completed TLS handshakes of the scan (status 'ok').
-- Handshakes are read once: the denominator is the sum of the groups.
WITH v AS (
    SELECT scan_id, port, tls_version, version, COUNT(*) AS endpoints
    FROM (
    SELECT scan_id,
           port,
           tls_version,
           CASE tls_version
               WHEN 2 THEN 'SSLv2'
               WHEN 768 THEN 'SSLv3'
               WHEN 769 THEN 'TLSv1.0'
               WHEN 770 THEN 'TLSv1.1'
               WHEN 771 THEN 'TLSv1.2'
               WHEN 772 THEN 'TLSv1.3'
               ELSE 'other'
           END AS version
    FROM handshakes
    WHERE status = 'ok'
    ) named
    GROUP BY scan_id, port, tls_version, version
),
t AS (
    SELECT scan_id, SUM(endpoints) AS completed
    FROM v
    GROUP BY scan_id
)
SELECT v.scan_id,
       v.port,
       v.tls_version,
       v.version,
       v.endpoints AS endpoints,
       CAST(v.endpoints AS DOUBLE) / t.completed AS share
FROM v
JOIN t ON t.scan_id = v.scan_id
ORDER BY v.port, v.scan_id, v.tls_version
