-- Points and level of every school of two rounds in each comparable scope, one row per school:
-- each (round, scope) figure is packed into one integer,
--     code = (slot << 24) | (level_rank << 16) | points,    slot = side × count of scopes + scope,
-- side 0 for $from_round_id and 1 for $to_round_id, scope 0 for the total and then the order of
-- $scopes. Grouping by ИНН alone into one flat list per school brings 40,000 schools × 9 scopes ×
-- 2 rounds to numpy in tens of milliseconds: rows joined to the listed schools by ИНН cost a third
-- more, one list per figure four times as much.
with

scopes as (
    select
        unnest($scopes) as scope,
        unnest(range(len($scopes))) as scope_index,
),

final as (
    select
        s.inn,
        list(
            (((s.round_id = $to_round_id)::bigint * len($scopes) + p.scope_index) << 24)
            | (s.level_rank::bigint << 16)
            | s.points
        ) as codes,
    from school_scores as s
    join scopes as p on p.scope = s.scope
    where s.round_id in ($from_round_id, $to_round_id)
    group by s.inn
)

select * from final
