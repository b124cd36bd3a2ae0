-- mta_sts_adoption: what the domains whose `_mta-sts` TXT record was
-- looked up publish for MTA-STS (RFC 8461), as a sender concludes it:
-- no_record (no `v=STSv1` record: no MTA-STS), invalid_record (several
-- records, or none with an `id`), no_policy (a record, but the policy
-- could not be fetched), invalid_policy (a policy that breaks the syntax),
-- mode_none, testing (failures reported, mail still delivered), enforce
-- (senders must authenticate the MX host); record_not_looked_up counts
-- policies fetched for domains whose record was never looked up.
-- One row: state. `published` marks the states with a record.
-- Denominator: `domains` — every domain of the `mta_sts` table, and
-- `with_record` — those that publish a record, for the misconfiguration
-- share.
SELECT s.state,
       s.domains,
       CASE WHEN s.state IN ('invalid_record', 'no_policy', 'invalid_policy', 'mode_none', 'testing', 'enforce')
            THEN 1 ELSE 0 END AS published,
       t.domains AS looked_up,
       t.with_record,
       CAST(s.domains AS DOUBLE) / t.domains AS share,
       CASE WHEN s.state IN ('invalid_record', 'no_policy', 'invalid_policy', 'mode_none', 'testing', 'enforce')
                 AND t.with_record > 0
            THEN CAST(s.domains AS DOUBLE) / t.with_record END AS share_of_published
FROM (
    SELECT state, COUNT(*) AS domains
    FROM mta_sts
    GROUP BY state
) s
CROSS JOIN (
    SELECT COUNT(*) AS domains,
           SUM(CASE WHEN state IN ('invalid_record', 'no_policy', 'invalid_policy', 'mode_none', 'testing', 'enforce')
                    THEN 1 ELSE 0 END) AS with_record
    FROM mta_sts
) t
ORDER BY s.domains DESC, s.state
