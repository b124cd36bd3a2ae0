-- trust_agreement: the trust the scanner recorded against the trust
-- computed by mailtls (the dataset's first trust setting), per port.
-- One row: port × recorded verdict × computed verdict and reason.
-- Denominator: endpoints whose record carries the scanner's verdict.
-- Endpoints are first counted per distinct chain, so the join works on
-- distinct chains, not on endpoints.
WITH chains AS (
    SELECT scan_id, port, chain_hash, browser_trusted, COUNT(*) AS endpoints
    FROM handshakes
    WHERE browser_trusted IS NOT NULL
    GROUP BY scan_id, port, chain_hash, browser_trusted
),
totals AS (
    SELECT port, SUM(endpoints) AS recorded FROM chains GROUP BY port
),
judged AS (
    SELECT c.port,
           c.browser_trusted AS recorded_trusted,
           t.valid AS computed_valid,
           t.transvalid AS computed_transvalid,
           t.reason AS computed_reason,
           c.endpoints
    FROM chains c
    LEFT JOIN (
        SELECT scan_id, chain_hash, valid, transvalid, reason
        FROM chain_trust
        WHERE setting_rank = 0
    ) t ON t.scan_id = c.scan_id AND t.chain_hash = c.chain_hash
)
SELECT j.port,
       j.recorded_trusted,
       j.computed_valid,
       j.computed_transvalid,
       j.computed_reason,
       j.endpoints AS endpoints,
       totals.recorded AS endpoints_with_recorded_trust
FROM (
    SELECT port, recorded_trusted, computed_valid, computed_transvalid, computed_reason,
           SUM(endpoints) AS endpoints
    FROM judged
    GROUP BY port, recorded_trusted, computed_valid, computed_transvalid, computed_reason
) j
JOIN totals ON totals.port = j.port
ORDER BY j.port, j.recorded_trusted DESC, j.computed_valid DESC, j.computed_reason, j.computed_transvalid
