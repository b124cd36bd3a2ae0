-- continues: scan_pairs.cte.sql
-- cert_volatility: how the certificates endpoints serve change between
-- consecutive scans of a series, how long they are issued for, and when
-- they are replaced.
-- One row: a scan (with the scan before it) × facet × value.
-- Facets, with their unit and denominator (`base`):
--   change       endpoints that completed a handshake with a certificate in
--                both scans: same_certificate; renewed_same_key (another
--                certificate, same SubjectPublicKeyInfo); new_key_same_issuer;
--                new_issuer (issuer DN differs); not_known (a certificate
--                that did not parse);
--   replaced_at  endpoints whose certificate changed: the old one's
--                notAfter before the later scan's time (after_expiry) or not;
--   tenure       endpoints whose certificate changed: days from the first
--                scan of the series in which the endpoint served the old
--                certificate to the scan that found the new one, bucketed;
--   lifetime     distinct leaf certificates served in the scan (every scan
--                of the series, the first included): calendar months from
--                notBefore to notAfter (year × 12 + month), bucketed;
--                not_known without dates.
-- An endpoint is an address within the series' port; an endpoint that
-- served several leaves in one scan counts with the smallest hash.
-- The handshakes are read once: each endpoint's leaf per scan (`served`,
-- with the first day it served it), paired once (`sides`, `endpoint`),
-- classified once, and counted in one pass over every facet.
, served AS (
    SELECT v.scan_id, v.ip, v.leaf,
           MIN(s.scan_day) OVER (PARTITION BY s.series, v.ip, v.leaf) AS first_day
    FROM (
        SELECT h.scan_id, h.ip, MIN(h.leaf_sha256) AS leaf
        FROM handshakes h
        WHERE h.status = 'ok' AND h.leaf_sha256 IS NOT NULL AND h.ip IS NOT NULL
        GROUP BY h.scan_id, h.ip
    ) v
    JOIN scans s ON s.scan_id = v.scan_id
    WHERE s.series IS NOT NULL
),
members AS (
    SELECT scan_id AS pair, previous_scan_id AS member, 1 AS side FROM pairs WHERE previous_scan_id IS NOT NULL
    UNION ALL
    SELECT scan_id AS pair, scan_id AS member, 2 AS side FROM pairs
),
sides AS (
    SELECT m.pair, m.side, v.ip, v.leaf, v.first_day
    FROM members m JOIN served v ON v.scan_id = m.member
),
endpoint AS (
    SELECT pair,
           ip,
           MIN(CASE WHEN side = 1 THEN leaf END) AS old_leaf,
           MIN(CASE WHEN side = 2 THEN leaf END) AS new_leaf,
           MIN(CASE WHEN side = 1 THEN first_day END) AS old_first_day
    FROM sides
    GROUP BY pair, ip
),
-- A certificate's lifetime in calendar months, computed per certificate
-- rather than per endpoint.
facts AS (
    SELECT sha256,
           spki_sha256,
           issuer_dn,
           not_after,
           (EXTRACT(YEAR FROM not_after) * 12 + EXTRACT(MONTH FROM not_after))
           - (EXTRACT(YEAR FROM not_before) * 12 + EXTRACT(MONTH FROM not_before)) AS lifetime_months
    FROM certificates
),
-- Each endpoint's value in every facet; null where the facet does not
-- apply to it (outside the facet's denominator).
classified AS (
    SELECT e.pair,
           e.new_leaf,
           CASE
               WHEN e.old_leaf IS NULL OR e.new_leaf IS NULL THEN NULL
               WHEN e.old_leaf = e.new_leaf THEN 'same_certificate'
               WHEN fa.spki_sha256 IS NULL OR fb.spki_sha256 IS NULL THEN 'not_known'
               WHEN fa.spki_sha256 = fb.spki_sha256 THEN 'renewed_same_key'
               WHEN fa.issuer_dn IS NULL OR fb.issuer_dn IS NULL THEN 'not_known'
               WHEN fa.issuer_dn = fb.issuer_dn THEN 'new_key_same_issuer'
               ELSE 'new_issuer'
           END AS change,
           CASE
               WHEN e.old_leaf IS NULL OR e.new_leaf IS NULL OR e.old_leaf = e.new_leaf THEN NULL
               WHEN fa.not_after IS NULL THEN 'not_known'
               WHEN fa.not_after < s.scan_time THEN 'after_expiry'
               ELSE 'before_expiry'
           END AS replaced_at,
           CASE
               WHEN e.old_leaf IS NULL OR e.new_leaf IS NULL OR e.old_leaf = e.new_leaf THEN NULL
               WHEN s.scan_day - e.old_first_day <= 7 THEN 'days_0_7'
               WHEN s.scan_day - e.old_first_day <= 31 THEN 'days_8_31'
               WHEN s.scan_day - e.old_first_day <= 92 THEN 'days_32_92'
               WHEN s.scan_day - e.old_first_day <= 366 THEN 'days_93_366'
               ELSE 'days_367_plus'
           END AS tenure,
           CASE
               WHEN e.new_leaf IS NULL THEN NULL
               WHEN fb.lifetime_months IS NULL THEN 'not_known'
               WHEN fb.lifetime_months <= 3 THEN 'months_0_3'
               WHEN fb.lifetime_months <= 13 THEN 'months_4_13'
               WHEN fb.lifetime_months <= 27 THEN 'months_14_27'
               WHEN fb.lifetime_months <= 39 THEN 'months_28_39'
               ELSE 'months_40_plus'
           END AS lifetime
    FROM endpoint e
    JOIN scans s ON s.scan_id = e.pair
    LEFT JOIN facts fa ON fa.sha256 = e.old_leaf
    LEFT JOIN facts fb ON fb.sha256 = e.new_leaf
),
counted AS (
    SELECT pair, new_leaf, change, replaced_at, tenure, lifetime, COUNT(*) AS n
    FROM classified
    GROUP BY pair, new_leaf, change, replaced_at, tenure, lifetime
),
-- Every value of every facet, so a change nobody made reads 0.
facet_values AS (
    SELECT facet, value, unit
    FROM (VALUES
        ('change', 'same_certificate', 'endpoints'),
        ('change', 'renewed_same_key', 'endpoints'),
        ('change', 'new_key_same_issuer', 'endpoints'),
        ('change', 'new_issuer', 'endpoints'),
        ('change', 'not_known', 'endpoints'),
        ('replaced_at', 'before_expiry', 'endpoints'),
        ('replaced_at', 'after_expiry', 'endpoints'),
        ('replaced_at', 'not_known', 'endpoints'),
        ('tenure', 'days_0_7', 'endpoints'),
        ('tenure', 'days_8_31', 'endpoints'),
        ('tenure', 'days_32_92', 'endpoints'),
        ('tenure', 'days_93_366', 'endpoints'),
        ('tenure', 'days_367_plus', 'endpoints'),
        ('lifetime', 'months_0_3', 'certificates'),
        ('lifetime', 'months_4_13', 'certificates'),
        ('lifetime', 'months_14_27', 'certificates'),
        ('lifetime', 'months_28_39', 'certificates'),
        ('lifetime', 'months_40_plus', 'certificates'),
        ('lifetime', 'not_known', 'certificates')
    ) AS v(facet, value, unit)
),
facets AS (
    SELECT DISTINCT facet FROM facet_values
),
-- Endpoint facets add up endpoints; `lifetime` counts distinct leaves.
observed AS (
    SELECT pair,
           facet,
           value,
           COALESCE(SUM(endpoints), 0) + COUNT(DISTINCT leaf) AS n
    FROM (
        SELECT c.pair,
               f.facet,
               CASE f.facet
                   WHEN 'change' THEN c.change
                   WHEN 'replaced_at' THEN c.replaced_at
                   WHEN 'tenure' THEN c.tenure
                   ELSE c.lifetime
               END AS value,
               CASE WHEN f.facet = 'lifetime' THEN NULL ELSE c.n END AS endpoints,
               CASE WHEN f.facet = 'lifetime' THEN c.new_leaf END AS leaf
        FROM counted c CROSS JOIN facets f
    ) u
    WHERE value IS NOT NULL
    GROUP BY pair, facet, value
),
grid AS (
    SELECT p.series, p.previous_scan_id, p.scan_id, fv.facet, fv.value, fv.unit,
           COALESCE(o.n, 0) AS n
    FROM pairs p
    CROSS JOIN facet_values fv
    LEFT JOIN observed o ON o.pair = p.scan_id AND o.facet = fv.facet AND o.value = fv.value
    WHERE p.previous_scan_id IS NOT NULL OR fv.facet = 'lifetime'
),
based AS (
    SELECT g.*, SUM(g.n) OVER (PARTITION BY g.scan_id, g.facet) AS base
    FROM grid g
)
SELECT g.series,
       g.previous_scan_id,
       g.scan_id,
       s.scan_date,
       g.facet,
       g.value,
       g.unit,
       g.n,
       g.base,
       CASE WHEN g.base > 0 THEN CAST(g.n AS DOUBLE) / g.base END AS share
FROM based g
JOIN scans s ON s.scan_id = g.scan_id
ORDER BY g.series, s.scan_date, g.scan_id, g.facet, g.value
