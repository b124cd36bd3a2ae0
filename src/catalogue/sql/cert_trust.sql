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
-- Endpoints are first counted per distinct chain, so the joins work on
-- distinct chains, not on endpoints.
WITH chains AS (
    SELECT scan_id, port, chain_hash, browser_trusted, COUNT(*) AS endpoints
    FROM handshakes
    WHERE status = 'ok'
    GROUP BY scan_id, port, chain_hash, browser_trusted
),
judged AS (
    SELECT c.scan_id,
           c.port,
           c.endpoints,
           CASE
               WHEN c.chain_hash IS NULL THEN 'no_certificate'
               WHEN ct.reason IS NULL THEN 'not_judged'
               WHEN ct.reason = 'ok' THEN 'trusted'
               WHEN ct.reason IN ('self_signed', 'expired', 'unknown_authority', 'incomplete_chain') THEN ct.reason
               ELSE 'other'
           END AS category
    FROM chains c
    LEFT JOIN (
        SELECT scan_id, chain_hash, reason
        FROM chain_trust
        WHERE setting_rank = 0
    ) ct ON ct.scan_id = c.scan_id AND ct.chain_hash = c.chain_hash
),
recorded AS (
    SELECT scan_id,
           port,
           endpoints,
           CASE
               WHEN browser_trusted THEN 'trusted'
               WHEN NOT browser_trusted THEN 'untrusted'
               ELSE 'not_recorded'
           END AS category
    FROM chains
),
totals AS (
    SELECT scan_id, SUM(endpoints) AS completed FROM chains GROUP BY scan_id
)
SELECT f.scan_id,
       f.port,
       f.view,
       f.category,
       f.endpoints AS endpoints,
       CAST(f.endpoints AS DOUBLE) / t.completed AS share
FROM (
    SELECT scan_id, port, 'computed' AS view, category, SUM(endpoints) AS endpoints
    FROM judged
    GROUP BY scan_id, port, category
    UNION ALL
    SELECT scan_id, port, 'recorded' AS view, category, SUM(endpoints) AS endpoints
    FROM recorded
    GROUP BY scan_id, port, category
) f
JOIN totals t ON t.scan_id = f.scan_id
ORDER BY f.port, f.scan_id, f.view, endpoints DESC, f.category
