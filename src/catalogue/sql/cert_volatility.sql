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
, served AS (
    SELECT h.scan_id, h.ip, MIN(h.leaf_sha256) AS leaf
    FROM handshakes h
    JOIN scans s ON s.scan_id = h.scan_id
    WHERE h.status = 'ok' AND h.leaf_sha256 IS NOT NULL AND h.ip IS NOT NULL
      AND s.series IS NOT NULL
    GROUP BY h.scan_id, h.ip
),
facts AS (
    SELECT sha256, spki_sha256, issuer_dn, not_before, not_after
    FROM certificates
),
first_served AS (
    SELECT s.series, v.ip, v.leaf, MIN(s.scan_day) AS first_day
    FROM served v
    JOIN scans s ON s.scan_id = v.scan_id
    GROUP BY s.series, v.ip, v.leaf
),
earlier AS (
    SELECT p.scan_id AS pair, p.series, v.ip, v.leaf
    FROM pairs p JOIN served v ON v.scan_id = p.previous_scan_id
),
later AS (
    SELECT p.scan_id AS pair, v.ip, v.leaf
    FROM pairs p JOIN served v ON v.scan_id = p.scan_id
),
moved AS (
    SELECT a.pair, a.series, a.ip, a.leaf AS old_leaf, b.leaf AS new_leaf
    FROM earlier a
    JOIN later b ON b.pair = a.pair AND b.ip = a.ip
),
classified AS (
    SELECT m.pair,
           m.series,
           m.ip,
           m.old_leaf,
           CASE
               WHEN m.old_leaf = m.new_leaf THEN 'same_certificate'
               WHEN fa.spki_sha256 IS NULL OR fb.spki_sha256 IS NULL THEN 'not_known'
               WHEN fa.spki_sha256 = fb.spki_sha256 THEN 'renewed_same_key'
               WHEN fa.issuer_dn IS NULL OR fb.issuer_dn IS NULL THEN 'not_known'
               WHEN fa.issuer_dn = fb.issuer_dn THEN 'new_key_same_issuer'
               ELSE 'new_issuer'
           END AS change,
           fa.not_after AS old_not_after
    FROM moved m
    LEFT JOIN facts fa ON fa.sha256 = m.old_leaf
    LEFT JOIN facts fb ON fb.sha256 = m.new_leaf
),
replaced AS (
    SELECT c.pair,
           CASE
               WHEN c.old_not_after IS NULL THEN 'not_known'
               WHEN c.old_not_after < s.scan_time THEN 'after_expiry'
               ELSE 'before_expiry'
           END AS replaced_at,
           s.scan_day - f.first_day AS tenure_days
    FROM classified c
    JOIN scans s ON s.scan_id = c.pair
    JOIN first_served f ON f.series = c.series AND f.ip = c.ip AND f.leaf = c.old_leaf
    WHERE c.change <> 'same_certificate'
),
leaves AS (
    SELECT DISTINCT p.scan_id AS pair, v.leaf
    FROM pairs p JOIN served v ON v.scan_id = p.scan_id
),
lifetimes AS (
    SELECT l.pair,
           CASE
               WHEN f.not_before IS NULL OR f.not_after IS NULL THEN 'not_known'
               ELSE CASE
                   WHEN (EXTRACT(YEAR FROM f.not_after) * 12 + EXTRACT(MONTH FROM f.not_after))
                        - (EXTRACT(YEAR FROM f.not_before) * 12 + EXTRACT(MONTH FROM f.not_before)) <= 3 THEN 'months_0_3'
                   WHEN (EXTRACT(YEAR FROM f.not_after) * 12 + EXTRACT(MONTH FROM f.not_after))
                        - (EXTRACT(YEAR FROM f.not_before) * 12 + EXTRACT(MONTH FROM f.not_before)) <= 13 THEN 'months_4_13'
                   WHEN (EXTRACT(YEAR FROM f.not_after) * 12 + EXTRACT(MONTH FROM f.not_after))
                        - (EXTRACT(YEAR FROM f.not_before) * 12 + EXTRACT(MONTH FROM f.not_before)) <= 27 THEN 'months_14_27'
                   WHEN (EXTRACT(YEAR FROM f.not_after) * 12 + EXTRACT(MONTH FROM f.not_after))
                        - (EXTRACT(YEAR FROM f.not_before) * 12 + EXTRACT(MONTH FROM f.not_before)) <= 39 THEN 'months_28_39'
                   ELSE 'months_40_plus'
               END
           END AS bucket
    FROM leaves l
    LEFT JOIN facts f ON f.sha256 = l.leaf
),
-- Every value of every facet, so a change nobody made reads 0.
facet_values AS (
    SELECT 'change' AS facet, 'same_certificate' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'change' AS facet, 'renewed_same_key' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'change' AS facet, 'new_key_same_issuer' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'change' AS facet, 'new_issuer' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'change' AS facet, 'not_known' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'replaced_at' AS facet, 'before_expiry' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'replaced_at' AS facet, 'after_expiry' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'replaced_at' AS facet, 'not_known' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'tenure' AS facet, 'days_0_7' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'tenure' AS facet, 'days_8_31' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'tenure' AS facet, 'days_32_92' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'tenure' AS facet, 'days_93_366' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'tenure' AS facet, 'days_367_plus' AS value, 'endpoints' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'months_0_3' AS value, 'certificates' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'months_4_13' AS value, 'certificates' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'months_14_27' AS value, 'certificates' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'months_28_39' AS value, 'certificates' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'months_40_plus' AS value, 'certificates' AS unit
    UNION ALL SELECT 'lifetime' AS facet, 'not_known' AS value, 'certificates' AS unit
),
observed AS (
    SELECT pair, 'change' AS facet, change AS value, COUNT(*) AS n
    FROM classified GROUP BY pair, change
    UNION ALL
    SELECT pair, 'replaced_at' AS facet, replaced_at AS value, COUNT(*) AS n
    FROM replaced GROUP BY pair, replaced_at
    UNION ALL
    SELECT pair,
           'tenure' AS facet,
           CASE
               WHEN tenure_days <= 7 THEN 'days_0_7'
               WHEN tenure_days <= 31 THEN 'days_8_31'
               WHEN tenure_days <= 92 THEN 'days_32_92'
               WHEN tenure_days <= 366 THEN 'days_93_366'
               ELSE 'days_367_plus'
           END AS value,
           COUNT(*) AS n
    FROM replaced
    GROUP BY pair,
             CASE
                 WHEN tenure_days <= 7 THEN 'days_0_7'
                 WHEN tenure_days <= 31 THEN 'days_8_31'
                 WHEN tenure_days <= 92 THEN 'days_32_92'
                 WHEN tenure_days <= 366 THEN 'days_93_366'
                 ELSE 'days_367_plus'
             END
    UNION ALL
    SELECT pair, 'lifetime' AS facet, bucket AS value, COUNT(*) AS n
    FROM lifetimes GROUP BY pair, bucket
),
bases AS (
    SELECT pair, 'change' AS facet, COUNT(*) AS base FROM classified GROUP BY pair
    UNION ALL
    SELECT pair, 'replaced_at' AS facet, COUNT(*) AS base FROM replaced GROUP BY pair
    UNION ALL
    SELECT pair, 'tenure' AS facet, COUNT(*) AS base FROM replaced GROUP BY pair
    UNION ALL
    SELECT pair, 'lifetime' AS facet, COUNT(*) AS base FROM lifetimes GROUP BY pair
),
grid AS (
    SELECT p.series, p.previous_scan_id, p.scan_id, fv.facet, fv.value, fv.unit
    FROM pairs p
    CROSS JOIN facet_values fv
    WHERE p.previous_scan_id IS NOT NULL OR fv.facet = 'lifetime'
)
SELECT g.series,
       g.previous_scan_id,
       g.scan_id,
       s.scan_date,
       g.facet,
       g.value,
       g.unit,
       COALESCE(o.n, 0) AS n,
       COALESCE(b.base, 0) AS base,
       CASE WHEN b.base > 0 THEN CAST(COALESCE(o.n, 0) AS DOUBLE) / b.base END AS share
FROM grid g
JOIN scans s ON s.scan_id = g.scan_id
LEFT JOIN observed o ON o.pair = g.scan_id AND o.facet = g.facet AND o.value = g.value
LEFT JOIN bases b ON b.pair = g.scan_id AND b.facet = g.facet
ORDER BY g.series, s.scan_date, g.scan_id, g.facet, g.value
