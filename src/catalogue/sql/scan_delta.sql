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
-- Each scan's endpoints are reduced once (`ep`), paired once (`sides`,
-- `endpoint`), classified once per facet (`changes`), and unpivoted by a
-- join with the facets rather than one query per facet, so no engine
-- reads the handshakes more than once.
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
members AS (
    SELECT scan_id AS pair, previous_scan_id AS member, 1 AS side FROM pairs WHERE previous_scan_id IS NOT NULL
    UNION ALL
    SELECT scan_id AS pair, scan_id AS member, 2 AS side FROM pairs WHERE previous_scan_id IS NOT NULL
),
sides AS (
    SELECT m.pair, m.side, e.ip, e.tls, e.version, e.cipher_id, e.rank, e.trusted, e.judged
    FROM members m JOIN ep e ON e.scan_id = m.member
),
endpoint AS (
    SELECT pair,
           ip,
           MAX(CASE WHEN side = 1 THEN 1 ELSE 0 END) AS in_a,
           MAX(CASE WHEN side = 2 THEN 1 ELSE 0 END) AS in_b,
           MAX(CASE WHEN side = 1 THEN tls END) AS tls_a,
           MAX(CASE WHEN side = 2 THEN tls END) AS tls_b,
           MAX(CASE WHEN side = 1 THEN version END) AS version_a,
           MAX(CASE WHEN side = 2 THEN version END) AS version_b,
           MAX(CASE WHEN side = 1 THEN cipher_id END) AS cipher_a,
           MAX(CASE WHEN side = 2 THEN cipher_id END) AS cipher_b,
           MAX(CASE WHEN side = 1 THEN rank END) AS rank_a,
           MAX(CASE WHEN side = 2 THEN rank END) AS rank_b,
           MAX(CASE WHEN side = 1 THEN trusted END) AS trusted_a,
           MAX(CASE WHEN side = 2 THEN trusted END) AS trusted_b,
           MAX(CASE WHEN side = 1 THEN judged END) AS judged_a,
           MAX(CASE WHEN side = 2 THEN judged END) AS judged_b
    FROM sides
    GROUP BY pair, ip
),
-- Each endpoint's change in every facet; null where the facet does not
-- apply to it (it is outside the facet's denominator).
changes AS (
    SELECT pair,
           CASE
               WHEN in_a = 1 AND in_b = 1 THEN 'kept'
               WHEN in_b = 1 THEN 'appeared'
               ELSE 'gone'
           END AS presence,
           CASE
               WHEN in_a = 0 OR in_b = 0 THEN NULL
               WHEN tls_a = 0 AND tls_b = 1 THEN 'gained'
               WHEN tls_a = 1 AND tls_b = 0 THEN 'lost'
               WHEN tls_a = 1 THEN 'kept_tls'
               ELSE 'kept_without'
           END AS tls,
           CASE
               WHEN tls_a = 1 AND tls_b = 1 THEN
                   CASE
                       WHEN version_a IS NULL OR version_b IS NULL THEN 'not_known'
                       WHEN version_b > version_a THEN 'upgraded'
                       WHEN version_b < version_a THEN 'downgraded'
                       ELSE 'same'
                   END
           END AS version,
           CASE
               WHEN tls_a = 1 AND tls_b = 1 THEN
                   CASE
                       WHEN cipher_a IS NULL OR cipher_b IS NULL THEN 'not_known'
                       WHEN cipher_a = cipher_b THEN 'same'
                       WHEN rank_a IS NULL OR rank_b IS NULL THEN 'not_known'
                       WHEN rank_b > rank_a THEN 'upgraded'
                       WHEN rank_b < rank_a THEN 'downgraded'
                       ELSE 'changed_same_class'
                   END
           END AS cipher,
           CASE
               WHEN tls_a = 1 AND tls_b = 1 THEN
                   CASE
                       WHEN judged_a = 0 OR judged_b = 0 THEN 'not_judged'
                       WHEN trusted_a = 0 AND trusted_b = 1 THEN 'gained'
                       WHEN trusted_a = 1 AND trusted_b = 0 THEN 'lost'
                       WHEN trusted_a = 1 THEN 'kept_trusted'
                       ELSE 'kept_untrusted'
                   END
           END AS trust
    FROM endpoint
),
counted AS (
    SELECT pair, presence, tls, version, cipher, trust, COUNT(*) AS n
    FROM changes
    GROUP BY pair, presence, tls, version, cipher, trust
),
-- Every change of every facet, so a change nobody made reads 0.
facet_values AS (
    SELECT facet, change
    FROM (VALUES
        ('presence', 'appeared'),
        ('presence', 'gone'),
        ('presence', 'kept'),
        ('tls', 'gained'),
        ('tls', 'lost'),
        ('tls', 'kept_tls'),
        ('tls', 'kept_without'),
        ('version', 'upgraded'),
        ('version', 'downgraded'),
        ('version', 'same'),
        ('version', 'not_known'),
        ('cipher', 'same'),
        ('cipher', 'upgraded'),
        ('cipher', 'downgraded'),
        ('cipher', 'changed_same_class'),
        ('cipher', 'not_known'),
        ('trust', 'gained'),
        ('trust', 'lost'),
        ('trust', 'kept_trusted'),
        ('trust', 'kept_untrusted'),
        ('trust', 'not_judged')
    ) AS v(facet, change)
),
facets AS (
    SELECT DISTINCT facet FROM facet_values
),
observed AS (
    SELECT pair, facet, change, SUM(n) AS endpoints
    FROM (
        SELECT c.pair,
               f.facet,
               CASE f.facet
                   WHEN 'presence' THEN c.presence
                   WHEN 'tls' THEN c.tls
                   WHEN 'version' THEN c.version
                   WHEN 'cipher' THEN c.cipher
                   ELSE c.trust
               END AS change,
               c.n
        FROM counted c CROSS JOIN facets f
    ) u
    WHERE change IS NOT NULL
    GROUP BY pair, facet, change
),
rows AS (
    SELECT p.series, p.previous_scan_id, p.scan_id, p.port, p.protocol, p.tls_mode,
           v.facet, v.change, COALESCE(o.endpoints, 0) AS endpoints
    FROM pairs p
    CROSS JOIN facet_values v
    LEFT JOIN observed o ON o.pair = p.scan_id AND o.facet = v.facet AND o.change = v.change
    WHERE p.previous_scan_id IS NOT NULL
),
based AS (
    SELECT r.*, SUM(r.endpoints) OVER (PARTITION BY r.scan_id, r.facet) AS base
    FROM rows r
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
FROM based c
JOIN scans a ON a.scan_id = c.previous_scan_id
JOIN scans b ON b.scan_id = c.scan_id
ORDER BY c.series, scan_date, c.scan_id, c.facet, c.change
