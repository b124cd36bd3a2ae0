-- trust_agreement: the trust the scanner recorded against the trust
-- computed by mailtls (the dataset's first trust setting), per port.
-- One row: port × recorded verdict × computed verdict and reason.
-- Denominator: endpoints whose record carries the scanner's verdict.
SELECT h.port,
       h.browser_trusted AS recorded_trusted,
       t.valid AS computed_valid,
       t.transvalid AS computed_transvalid,
       t.reason AS computed_reason,
       COUNT(*) AS endpoints,
       totals.recorded AS endpoints_with_recorded_trust
FROM handshakes h
LEFT JOIN (
    SELECT scan_id, chain_hash, valid, transvalid, reason
    FROM chain_trust
    WHERE setting_rank = 0
) t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash
JOIN (
    SELECT port, COUNT(*) AS recorded
    FROM handshakes
    WHERE browser_trusted IS NOT NULL
    GROUP BY port
) totals ON totals.port = h.port
WHERE h.browser_trusted IS NOT NULL
GROUP BY h.port, h.browser_trusted, t.valid, t.transvalid, t.reason, totals.recorded
ORDER BY h.port, recorded_trusted DESC, computed_valid DESC, computed_reason, computed_transvalid
