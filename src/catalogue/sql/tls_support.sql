-- tls_support: how many responding mail servers give a working TLS
-- channel, STARTTLS or implicit, per port and protocol.
-- One row: port × protocol × TLS mode (scans of one port are pooled).
-- Denominator: responding endpoints (a TCP connection was made).
SELECT port,
       protocol,
       tls_mode,
       responding,
       tls_working,
       CAST(tls_working AS DOUBLE) / NULLIF(responding, 0) AS share
FROM (
    -- Handshakes are read once, into counts per status.
    SELECT port,
           protocol,
           tls_mode,
           SUM(CASE WHEN status <> 'connect_failed' AND status <> 'skipped' THEN n ELSE 0 END) AS responding,
           SUM(CASE WHEN status = 'ok' THEN n ELSE 0 END) AS tls_working
    FROM (
        SELECT port, protocol, tls_mode, status, COUNT(*) AS n
        FROM handshakes
        GROUP BY port, protocol, tls_mode, status
    ) by_status
    GROUP BY port, protocol, tls_mode
) per_port
ORDER BY port, protocol, tls_mode
