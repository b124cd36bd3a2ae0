-- continues: scan_pairs.cte.sql
-- scan_delta: what changed between consecutive scans of a series, endpoint
-- by endpoint (an endpoint is an address within the series' port).
-- One row: a pair of consecutive scans × facet × change.
-- Denominators (`base`), per facet:
--   presence  endpoints in either scan (appeared + gone + kept);
--   tls       endpoints in both scans (`kept`); `gained`/`lost` is a
--             completed handshake (status ok) in the later scan only / in
--             the earlier one only;
--   version, cipher, trust
--             endpoints with a completed handshake in both scans.
-- A suite is ranked by its testssl.sh bucket (null < anon < export < low <
-- 3des_idea < cbc < aead_no_fs < aead_fs); another suite of the same bucket
-- is `changed_same_class`; a suite the cipher_suites table lacks is
-- `not_known`, as is a version or suite the record does not show. Trust
-- is `chain_trust.valid` under the first trust setting, each scan judged
-- at its own date; a handshake without a judged chain
-- (an anonymous suite) is `not_judged`. An endpoint scanned twice in one
-- scan counts once, with its best outcome. Records without an address are
-- left out: they cannot be followed from scan to scan.
, compared AS (
    SELECT previous_scan_id AS scan_id FROM pairs WHERE previous_scan_id IS NOT NULL
    UNION
    SELECT scan_id FROM pairs WHERE previous_scan_id IS NOT NULL
),
suite_rank AS (
    SELECT id,
           CASE testssl_bucket
               WHEN 'null' THEN 0 WHEN 'anon' THEN 1 WHEN 'export' THEN 2
               WHEN 'low' THEN 3 WHEN '3des_idea' THEN 4 WHEN 'cbc' THEN 5
               WHEN 'aead_no_fs' THEN 6 WHEN 'aead_fs' THEN 7
           END AS rank
    FROM cipher_suites
),
trust AS (
    SELECT scan_id, chain_hash, valid FROM chain_trust WHERE setting_rank = 0
),
ep AS (
    SELECT h.scan_id,
           h.ip,
           MAX(CASE WHEN h.status = 'ok' THEN 1 ELSE 0 END) AS tls,
           MAX(CASE WHEN h.status = 'ok' THEN h.tls_version END) AS version,
           MAX(CASE WHEN h.status = 'ok' THEN h.cipher_id END) AS cipher_id,
           MAX(CASE WHEN h.status = 'ok' THEN r.rank END) AS rank,
           MAX(CASE WHEN h.status = 'ok' AND t.valid THEN 1 ELSE 0 END) AS trusted,
           MAX(CASE WHEN h.status = 'ok' AND t.valid IS NOT NULL THEN 1 ELSE 0 END) AS judged
    FROM handshakes h
    JOIN compared c ON c.scan_id = h.scan_id
    LEFT JOIN suite_rank r ON r.id = h.cipher_id
    LEFT JOIN trust t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash
    WHERE h.ip IS NOT NULL
    GROUP BY h.scan_id, h.ip
),
earlier AS (
    SELECT p.scan_id AS pair, e.ip, e.tls, e.version, e.cipher_id, e.rank, e.trusted, e.judged
    FROM pairs p JOIN ep e ON e.scan_id = p.previous_scan_id
),
later AS (
    SELECT p.scan_id AS pair, e.ip, e.tls, e.version, e.cipher_id, e.rank, e.trusted, e.judged
    FROM pairs p JOIN ep e ON e.scan_id = p.scan_id
),
in_earlier AS (SELECT pair, COUNT(*) AS n FROM earlier GROUP BY pair),
in_later AS (SELECT pair, COUNT(*) AS n FROM later GROUP BY pair),
kept AS (
    SELECT a.pair,
           COUNT(*) AS kept,
           SUM(CASE WHEN a.tls = 0 AND b.tls = 1 THEN 1 ELSE 0 END) AS tls_gained,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 0 THEN 1 ELSE 0 END) AS tls_lost,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 THEN 1 ELSE 0 END) AS tls_both,
           SUM(CASE WHEN a.tls = 0 AND b.tls = 0 THEN 1 ELSE 0 END) AS tls_neither,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.version > a.version THEN 1 ELSE 0 END) AS version_up,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.version < a.version THEN 1 ELSE 0 END) AS version_down,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.version = a.version THEN 1 ELSE 0 END) AS version_same,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND (a.version IS NULL OR b.version IS NULL) THEN 1 ELSE 0 END) AS version_not_known,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.cipher_id = a.cipher_id THEN 1 ELSE 0 END) AS cipher_same,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1
                         AND (a.cipher_id IS NULL OR b.cipher_id IS NULL
                              OR (b.cipher_id <> a.cipher_id AND (a.rank IS NULL OR b.rank IS NULL)))
                    THEN 1 ELSE 0 END) AS cipher_not_known,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.cipher_id <> a.cipher_id AND b.rank > a.rank THEN 1 ELSE 0 END) AS cipher_up,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.cipher_id <> a.cipher_id AND b.rank < a.rank THEN 1 ELSE 0 END) AS cipher_down,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND b.cipher_id <> a.cipher_id AND b.rank = a.rank THEN 1 ELSE 0 END) AS cipher_sideways,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND a.judged = 1 AND b.judged = 1 AND a.trusted = 0 AND b.trusted = 1 THEN 1 ELSE 0 END) AS trust_gained,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND a.judged = 1 AND b.judged = 1 AND a.trusted = 1 AND b.trusted = 0 THEN 1 ELSE 0 END) AS trust_lost,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND a.judged = 1 AND b.judged = 1 AND a.trusted = 1 AND b.trusted = 1 THEN 1 ELSE 0 END) AS trust_kept,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND a.judged = 1 AND b.judged = 1 AND a.trusted = 0 AND b.trusted = 0 THEN 1 ELSE 0 END) AS trust_never,
           SUM(CASE WHEN a.tls = 1 AND b.tls = 1 AND (a.judged = 0 OR b.judged = 0) THEN 1 ELSE 0 END) AS trust_not_judged
    FROM earlier a
    JOIN later b ON b.pair = a.pair AND b.ip = a.ip
    GROUP BY a.pair
),
counts AS (
    SELECT p.series, p.previous_scan_id, p.scan_id, p.port, p.protocol, p.tls_mode,
           COALESCE(e.n, 0) AS earlier_n,
           COALESCE(l.n, 0) AS later_n,
           COALESCE(k.kept, 0) AS kept,
           COALESCE(k.tls_gained, 0) AS tls_gained,
           COALESCE(k.tls_lost, 0) AS tls_lost,
           COALESCE(k.tls_both, 0) AS tls_both,
           COALESCE(k.tls_neither, 0) AS tls_neither,
           COALESCE(k.version_up, 0) AS version_up,
           COALESCE(k.version_down, 0) AS version_down,
           COALESCE(k.version_same, 0) AS version_same,
           COALESCE(k.version_not_known, 0) AS version_not_known,
           COALESCE(k.cipher_same, 0) AS cipher_same,
           COALESCE(k.cipher_not_known, 0) AS cipher_not_known,
           COALESCE(k.cipher_up, 0) AS cipher_up,
           COALESCE(k.cipher_down, 0) AS cipher_down,
           COALESCE(k.cipher_sideways, 0) AS cipher_sideways,
           COALESCE(k.trust_gained, 0) AS trust_gained,
           COALESCE(k.trust_lost, 0) AS trust_lost,
           COALESCE(k.trust_kept, 0) AS trust_kept,
           COALESCE(k.trust_never, 0) AS trust_never,
           COALESCE(k.trust_not_judged, 0) AS trust_not_judged
    FROM pairs p
    LEFT JOIN in_earlier e ON e.pair = p.scan_id
    LEFT JOIN in_later l ON l.pair = p.scan_id
    LEFT JOIN kept k ON k.pair = p.scan_id
    WHERE p.previous_scan_id IS NOT NULL
),
changes AS (
    SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'presence' AS facet, 'appeared' AS change, later_n - kept AS endpoints, earlier_n + later_n - kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'presence' AS facet, 'gone' AS change, earlier_n - kept AS endpoints, earlier_n + later_n - kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'presence' AS facet, 'kept' AS change, kept AS endpoints, earlier_n + later_n - kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'tls' AS facet, 'gained' AS change, tls_gained AS endpoints, kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'tls' AS facet, 'lost' AS change, tls_lost AS endpoints, kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'tls' AS facet, 'kept_tls' AS change, tls_both AS endpoints, kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'tls' AS facet, 'kept_without' AS change, tls_neither AS endpoints, kept AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'version' AS facet, 'upgraded' AS change, version_up AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'version' AS facet, 'downgraded' AS change, version_down AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'version' AS facet, 'same' AS change, version_same AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'version' AS facet, 'not_known' AS change, version_not_known AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'cipher' AS facet, 'same' AS change, cipher_same AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'cipher' AS facet, 'upgraded' AS change, cipher_up AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'cipher' AS facet, 'downgraded' AS change, cipher_down AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'cipher' AS facet, 'changed_same_class' AS change, cipher_sideways AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'cipher' AS facet, 'not_known' AS change, cipher_not_known AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'trust' AS facet, 'gained' AS change, trust_gained AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'trust' AS facet, 'lost' AS change, trust_lost AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'trust' AS facet, 'kept_trusted' AS change, trust_kept AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'trust' AS facet, 'kept_untrusted' AS change, trust_never AS endpoints, tls_both AS base FROM counts
    UNION ALL SELECT series, previous_scan_id, scan_id, port, protocol, tls_mode, 'trust' AS facet, 'not_judged' AS change, trust_not_judged AS endpoints, tls_both AS base FROM counts
)
SELECT c.series,
       c.previous_scan_id,
       c.scan_id,
       c.port,
       c.protocol,
       c.tls_mode,
       a.scan_date AS previous_date,
       b.scan_date AS scan_date,
       c.facet,
       c.change,
       c.endpoints,
       c.base,
       CASE WHEN c.base > 0 THEN CAST(c.endpoints AS DOUBLE) / c.base END AS share
FROM changes c
JOIN scans a ON a.scan_id = c.previous_scan_id
JOIN scans b ON b.scan_id = c.scan_id
ORDER BY c.series, scan_date, c.scan_id, c.facet, c.change
