-- Points and level of the listed schools ($inns, by position) in two rounds, per scope: position
-- 0 is the total, 1… the tracks of $track_codes. Integers only, so 40,000 schools × 9 scopes × 2
-- rounds travel to numpy in milliseconds; a school missing from a round simply has no rows there.
with

listed_schools as (
    select
        unnest($inns) as inn,
        unnest(range(len($inns))) as school_index,
),

scores as (
    select
        s.school_index,
        (sc.round_id = $to_round_id)::tinyint as side,
        if(sc.scope = 'total', 0, list_position($track_codes, sc.scope)) as scope_index,
        sc.points,
        sc.level_rank,
    from school_scores as sc
    join listed_schools as s on s.inn = sc.inn
    where sc.round_id in ($from_round_id, $to_round_id)
),

final as (
    select *
    from scores
    where scope_index is not null
)

select * from final
