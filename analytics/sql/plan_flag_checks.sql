-- The outcome in force of each checked flag: the latest check per school, round and rule.
select
    inn,
    rule,
    arg_max(outcome, checked_at) as outcome,
    arg_max(comment, checked_at) as comment,
    arg_max(checked_by, checked_at) as checked_by,
    max(checked_at) as checked_at,
from flag_checks
where
    round_id = $round_id
    and ($inn is null or inn = $inn)
group by inn, rule
order by inn, rule
