-- continues: unit_levels.cte.sql
-- unit_of_analysis: the headline numbers of port-25 mail security under
-- each unit of analysis, side by side: per IPv4 address (the paper), per
-- MX host, per domain, and per top-list domain weighted by 1/rank
-- (Durumeric et al.'s view). Each unit is judged at its weakest
-- answering route (see the levels above).
-- One row: unit. Columns: `answered` (the denominator: units that
-- answered on port 25; weights for domain_by_rank), and of them those
-- where STARTTLS was offered and accepted (`starttls`), TLS completed
-- (`tls_completed`), every chain was trusted (`trusted_certificate`, the
-- paper's notion) and a sender can authenticate the server by DANE or
-- MTA-STS (`authenticated`), each with its share.
SELECT unit,
       unit_order,
       COUNT(*) AS answered,
       SUM(weight) AS answered_weight,
       SUM(CASE WHEN level >= 2 THEN 1 ELSE 0 END) AS starttls,
       SUM(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS tls_completed,
       SUM(CASE WHEN trusted = 1 THEN 1 ELSE 0 END) AS trusted_certificate,
       SUM(CASE WHEN level >= 6 THEN 1 ELSE 0 END) AS authenticated,
       SUM(CASE WHEN level >= 2 THEN weight ELSE CAST(0 AS DOUBLE) END) / SUM(weight) AS starttls_share,
       SUM(CASE WHEN level >= 3 THEN weight ELSE CAST(0 AS DOUBLE) END) / SUM(weight) AS tls_completed_share,
       SUM(CASE WHEN trusted = 1 THEN weight ELSE CAST(0 AS DOUBLE) END) / SUM(weight) AS trusted_certificate_share,
       SUM(CASE WHEN level >= 6 THEN weight ELSE CAST(0 AS DOUBLE) END) / SUM(weight) AS authenticated_share
FROM unit_levels
WHERE level >= 1
GROUP BY unit, unit_order
ORDER BY unit_order
