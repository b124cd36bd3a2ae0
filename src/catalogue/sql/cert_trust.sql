-- cert_trust: whether the certificate each completed handshake presented
-- is trusted, as mailtls computes it (the dataset's first trust setting:
-- by default Mozilla's store in force on the scan date) and, beside it, as
-- the scanner recorded it.
-- One row: scan × view ('computed' or 'recorded') × category. Computed
-- categories: trusted, self_signed, expired, unknown_authority,
-- incomplete_chain, other (not yet valid, bad or weak signature, …),
-- no_certificate, not_judged; recorded: trusted, untrusted, not_recorded.
-- Denominator: completed TLS handshakes of the scan (status 'ok'); each
-- view's categories add up to it.
SELECT f.scan_id,
       f.port,
       f.view,
       f.category,
       f.endpoints,
       CAST(f.endpoints AS DOUBLE) / t.completed AS share
FROM (
    SELECT scan_id, port, 'computed' AS view, category, COUNT(*) AS endpoints
    FROM (
        SELECT h.scan_id,
               h.port,
               CASE
                   WHEN h.leaf_sha256 IS NULL THEN 'no_certificate'
                   WHEN ct.reason IS NULL THEN 'not_judged'
                   WHEN ct.reason = 'ok' THEN 'trusted'
                   WHEN ct.reason IN ('self_signed', 'expired', 'unknown_authority', 'incomplete_chain') THEN ct.reason
                   ELSE 'other'
               END AS category
        FROM handshakes h
        LEFT JOIN (
            SELECT scan_id, chain_hash, reason
            FROM chain_trust
            WHERE setting_rank = 0
        ) ct ON ct.scan_id = h.scan_id AND ct.chain_hash = h.chain_hash
        WHERE h.status = 'ok'
    ) computed
    GROUP BY scan_id, port, category
    UNION ALL
    SELECT scan_id, port, 'recorded' AS view, category, COUNT(*) AS endpoints
    FROM (
        SELECT scan_id,
               port,
               CASE
                   WHEN browser_trusted THEN 'trusted'
                   WHEN NOT browser_trusted THEN 'untrusted'
                   ELSE 'not_recorded'
               END AS category
        FROM handshakes
        WHERE status = 'ok'
    ) recorded
    GROUP BY scan_id, port, category
) f
JOIN (
    SELECT scan_id, COUNT(*) AS completed
    FROM handshakes
    WHERE status = 'ok'
    GROUP BY scan_id
) t ON t.scan_id = f.scan_id
ORDER BY f.port, f.scan_id, f.view, f.endpoints DESC, f.category
