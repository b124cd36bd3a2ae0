-- scan_pairs: the opening of the tables that compare scans. One row per
-- scan with handshakes, with the scan just before it in its series
-- (`scans.series`: one port, protocol and TLS mode from one kind of
-- source, ordered by scan time); `previous_scan_id` is null for a
-- series' first scan. `mailtls diff` replaces this opening with the one
-- pair it is asked for.
WITH pairs AS (
    SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode
    FROM scans
    WHERE series IS NOT NULL
)
