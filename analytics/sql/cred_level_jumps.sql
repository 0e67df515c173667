-- Schools whose overall level moved by $min_levels levels or more since their own previous round
-- (the latest earlier round they passed, which may be older than the region's previous round).
with

this_round as (
    select round_date
    from rounds
    where round_id = $round_id
),

scores_now as (
    select
        inn,
        points,
        level_rank,
    from school_scores
    where round_id = $round_id and scope = 'total'
),

scores_before as (
    select
        s.inn,
        arg_max(r.name, r.round_date) as round_before,
        arg_max(s.points, r.round_date) as points_before,
        arg_max(s.level_rank, r.round_date) as level_rank_before,
    from school_scores as s
    join rounds as r on r.round_id = s.round_id
    where s.scope = 'total' and r.round_date < (select round_date from this_round)
    group by s.inn
),

final as (
    select
        n.inn,
        sc.name,
        sc.municipality,
        b.round_before,
        b.points_before,
        b.level_rank_before,
        n.points as points_now,
        n.level_rank as level_rank_now,
    from scores_now as n
    join scores_before as b on b.inn = n.inn
    join schools as sc on sc.inn = n.inn
    where
        abs(n.level_rank - b.level_rank_before) >= $min_levels
        and ($municipality is null or sc.municipality = $municipality)
)

select * from final
