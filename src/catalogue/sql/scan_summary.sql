-- scan_summary: what each scan found, from connection to completed TLS.
-- One row: one scan (a port, protocol and TLS mode on one date).
-- Denominator: endpoints scanned (rows of `handshakes`); every count below
-- is a part of it, and the status columns add up to it.
SELECT scan_id,
       port,
       protocol,
       tls_mode,
       COUNT(*) AS endpoints,
       SUM(CASE WHEN status <> 'connect_failed' AND status <> 'skipped' THEN 1 ELSE 0 END) AS responding,
       SUM(CASE WHEN starttls_offered THEN 1 ELSE 0 END) AS starttls_offered,
       SUM(CASE WHEN starttls_stripped THEN 1 ELSE 0 END) AS starttls_stripped,
       SUM(CASE WHEN starttls_accepted THEN 1 ELSE 0 END) AS starttls_accepted,
       SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS tls_completed,
       SUM(CASE WHEN status = 'connect_failed' THEN 1 ELSE 0 END) AS connect_failed,
       SUM(CASE WHEN status = 'banner_failed' THEN 1 ELSE 0 END) AS banner_failed,
       SUM(CASE WHEN status = 'no_starttls' THEN 1 ELSE 0 END) AS no_starttls,
       SUM(CASE WHEN status = 'starttls_refused' THEN 1 ELSE 0 END) AS starttls_refused,
       SUM(CASE WHEN status = 'handshake_failed' THEN 1 ELSE 0 END) AS handshake_failed,
       SUM(CASE WHEN status = 'timeout' THEN 1 ELSE 0 END) AS timeout,
       SUM(CASE WHEN status = 'protocol_error' THEN 1 ELSE 0 END) AS protocol_error,
       SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped
FROM handshakes
GROUP BY scan_id, port, protocol, tls_mode
ORDER BY port, scan_id
