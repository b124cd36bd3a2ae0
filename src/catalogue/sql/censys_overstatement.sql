-- censys_overstatement: the same endpoints seen in a raw scan (ZGrab
-- records) and in Censys host records of the same port. Censys' ztag
-- flattens a handshake that failed after the server hello into a `tls`
-- object with a version and a suite, which reads as completed: counting
-- STARTTLS success from Censys records overstates it.
-- One row: port × raw scan × Censys scan (a pair: same port, protocol
-- and TLS mode, one scan read only from Censys records, one without).
-- Denominator: endpoints present in both scans (`endpoints`, joined by
-- address); `overstatement` is relative to the raw scan's completed
-- handshakes.
WITH pairs AS (
    SELECT r.port, r.scan_id AS raw_scan, c.scan_id AS censys_scan
    FROM scans c
    JOIN scans r
      ON r.port = c.port AND r.protocol = c.protocol AND r.tls_mode = c.tls_mode
    WHERE c.layouts = 'censys' AND r.layouts NOT LIKE '%censys%'
),
counted AS (
    SELECT p.port,
           p.raw_scan,
           p.censys_scan,
           COUNT(*) AS endpoints,
           SUM(CASE WHEN r.status = 'ok' THEN 1 ELSE 0 END) AS raw_completed,
           SUM(CASE WHEN c.status = 'ok' THEN 1 ELSE 0 END) AS censys_completed,
           SUM(CASE WHEN c.status = 'ok' AND r.status <> 'ok' THEN 1 ELSE 0 END) AS overstated,
           SUM(CASE WHEN r.status = 'ok' AND c.status <> 'ok' THEN 1 ELSE 0 END) AS understated
    FROM pairs p
    JOIN handshakes c ON c.scan_id = p.censys_scan
    JOIN handshakes r ON r.scan_id = p.raw_scan AND r.ip = c.ip
    GROUP BY p.port, p.raw_scan, p.censys_scan
)
SELECT port,
       raw_scan,
       censys_scan,
       endpoints,
       raw_completed,
       censys_completed,
       overstated,
       understated,
       CAST(raw_completed AS DOUBLE) / endpoints AS raw_share,
       CAST(censys_completed AS DOUBLE) / endpoints AS censys_share,
       CASE WHEN raw_completed > 0
            THEN CAST(censys_completed - raw_completed AS DOUBLE) / raw_completed END AS overstatement
FROM counted
ORDER BY port, raw_scan, censys_scan
