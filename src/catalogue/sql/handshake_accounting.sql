-- handshake_accounting: the enumeration handshakes of each scan, accepted,
-- rejected and failed, beside the 2015 study's 89.78 / 8.26 / 1.95 %.
-- A tool that lists only accepted suites (sslyze's text output) records
-- no individual rejection: its scan has `rejections_recorded` = false and
-- no shares, since its rejected count is unknown, not zero;
-- `versions_all_rejected` counts the versions it reports as refusing
-- every suite.
-- One row: scan (an input file of enumeration output).
-- Denominator: the scan's individual handshakes (`handshakes`).
WITH counted AS (
    SELECT scan_id,
           COUNT(DISTINCT target) AS endpoints,
           SUM(CASE WHEN result <> 'all_rejected' THEN 1 ELSE 0 END) AS handshakes,
           SUM(CASE WHEN result = 'accepted' THEN 1 ELSE 0 END) AS accepted,
           SUM(CASE WHEN result = 'rejected' THEN 1 ELSE 0 END) AS rejected,
           SUM(CASE WHEN result = 'error' THEN 1 ELSE 0 END) AS errors,
           SUM(CASE WHEN result = 'all_rejected' THEN 1 ELSE 0 END) AS versions_all_rejected,
           MAX(CASE WHEN result IN ('rejected', 'error') THEN 1 ELSE 0 END) AS recorded
    FROM cipher_support
    GROUP BY scan_id
)
SELECT scan_id,
       endpoints,
       handshakes,
       accepted,
       rejected,
       errors,
       versions_all_rejected,
       recorded = 1 AS rejections_recorded,
       CASE WHEN recorded = 1 THEN CAST(accepted AS DOUBLE) / handshakes END AS accepted_share,
       CASE WHEN recorded = 1 THEN CAST(rejected AS DOUBLE) / handshakes END AS rejected_share,
       CASE WHEN recorded = 1 THEN CAST(errors AS DOUBLE) / handshakes END AS error_share
FROM counted
ORDER BY scan_id
