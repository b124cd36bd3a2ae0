-- top_domains_smtp: Durumeric et al.'s view of mail security, by top list:
-- the domains of a list, those with MX records, their distinct MX hosts,
-- and of the MX hosts whose addresses were scanned on port 25, those with
-- working STARTTLS and those whose certificate is trusted and names the
-- MX host (any scanned address of the host counts).
-- One row: top list (the `toplist.list` it came from).
-- Denominator: MX hosts of the list's domains with at least one scanned
-- address (`mx_hosts_scanned`); `domains` and `domains_with_mx` give the
-- list's coverage.
SELECT d.list,
       d.domains,
       COALESCE(m.domains_with_mx, 0) AS domains_with_mx,
       COALESCE(h.mx_hosts, 0) AS mx_hosts,
       COALESCE(h.mx_hosts_scanned, 0) AS mx_hosts_scanned,
       COALESCE(h.starttls, 0) AS starttls,
       COALESCE(h.trusted_named, 0) AS trusted_named,
       CASE WHEN h.mx_hosts_scanned > 0
            THEN CAST(h.starttls AS DOUBLE) / h.mx_hosts_scanned END AS starttls_share,
       CASE WHEN h.mx_hosts_scanned > 0
            THEN CAST(h.trusted_named AS DOUBLE) / h.mx_hosts_scanned END AS trusted_named_share
FROM (
    SELECT list, COUNT(*) AS domains
    FROM toplist
    GROUP BY list
) d
LEFT JOIN (
    SELECT list, COUNT(*) AS domains_with_mx
    FROM (
        SELECT DISTINCT t.list, t.domain
        FROM toplist t
        JOIN mail_routes r ON r.domain = t.domain
    ) listed
    GROUP BY list
) m ON m.list = d.list
LEFT JOIN (
    SELECT list,
           COUNT(*) AS mx_hosts,
           SUM(scanned) AS mx_hosts_scanned,
           SUM(starttls) AS starttls,
           SUM(trusted_named) AS trusted_named
    FROM (
        SELECT t.list,
               r.mx_host,
               MAX(CASE WHEN r.status IS NOT NULL THEN 1 ELSE 0 END) AS scanned,
               MAX(CASE WHEN r.status = 'ok' THEN 1 ELSE 0 END) AS starttls,
               MAX(CASE WHEN r.status = 'ok' AND r.trusted AND r.names_host THEN 1 ELSE 0 END) AS trusted_named
        FROM toplist t
        JOIN mail_routes r ON r.domain = t.domain
        GROUP BY t.list, r.mx_host
    ) hosts
    GROUP BY list
) h ON h.list = d.list
ORDER BY d.list
