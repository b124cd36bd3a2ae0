-- continues: unit_levels.cte.sql
-- protection_levels: what protects mail sent to port 25 against a passive
-- and an active attacker, counted per IPv4 address (the paper's unit), per
-- MX host, per domain and per top-list domain weighted by 1/rank, with
-- the paper's "trusted certificate" beside it for comparison.
-- One row: unit × level (the ladder above, plus `trusted_certificate`,
-- which is not a rung: it counts units whose every answering route
-- completed with a trusted chain).
-- Denominator: units that answered on port 25 (`answered`; for
-- domain_by_rank the sum of their 1/rank weights); not_scanned and
-- no_answer rows are counted outside it, with no share.
SELECT c.unit,
       c.unit_order,
       c.level_order,
       c.level,
       c.units,
       c.weight,
       t.answered,
       CASE WHEN c.level_order >= 1 AND t.answered_weight > 0
            THEN c.weight / t.answered_weight END AS share
FROM (
    SELECT unit,
           unit_order,
           level AS level_order,
           CASE
               WHEN level = -1 THEN 'not_scanned'
               WHEN level = 0 THEN 'no_answer'
               WHEN level = 1 THEN 'no_starttls'
               WHEN level = 2 THEN 'starttls_failed'
               WHEN level = 3 THEN 'suite_not_known'
               WHEN level = 4 THEN 'passive_broken'
               WHEN level = 5 THEN 'passive_safe'
               WHEN level = 6 THEN 'mta_sts'
               ELSE 'dane'
           END AS level,
           COUNT(*) AS units,
           SUM(weight) AS weight
    FROM unit_levels
    GROUP BY unit, unit_order, level
    UNION ALL
    SELECT unit,
           unit_order,
           100 AS level_order,
           'trusted_certificate' AS level,
           COUNT(*) AS units,
           SUM(weight) AS weight
    FROM unit_levels
    WHERE level >= 1 AND trusted = 1
    GROUP BY unit, unit_order
) c
JOIN unit_totals t ON t.unit = c.unit
ORDER BY c.unit_order, c.level_order
