-- Every indicator where a school lost points, with the answer that gives the maximum.
--
-- The school filter is written into each CTE that reads a table or a shared view rather than left
-- to the joins: a join on inn does not reach through a grouping (`schools` was a view grouping
-- every round's current_schools), and asked for one school the query grouped the whole country.
with

listed_schools as (
    select
        inn,
        name,
        municipality,
    from schools
    where
        ($inn is null or inn = $inn)
        and ($municipality is null or municipality = $municipality)
),

deficit_answers as (
    select
        round_id,
        inn,
        version,
        form,
        track_code,
        number,
        indicator,
        is_critical,
        answer as answer_current,
        points as points_current,
        points_max,
        points_max - points as points_lost,
        is_failed_critical,
    from current_answers
    where
        round_id = $round_id
        and ($inn is null or inn = $inn)
        and points < points_max
),

best_answers as (
    select
        version,
        form,
        number,
        first(answer order by points desc, option_id) as answer_best,
    from answer_options
    group by all
),

final as (
    select
        d.round_id,
        d.inn,
        sc.name,
        sc.municipality,
        d.form,
        d.track_code,
        t.track_name,
        t.track_order,
        d.number,
        d.indicator,
        d.is_critical,
        d.answer_current,
        d.points_current,
        d.points_max,
        d.points_lost,
        b.answer_best,
        d.is_failed_critical,
    from deficit_answers as d
    join tracks as t on t.version = d.version and t.track_code = d.track_code
    join best_answers as b on b.version = d.version and b.form = d.form and b.number = d.number
    join listed_schools as sc on sc.inn = d.inn
)

select * from final
order by inn, is_failed_critical desc, is_critical desc, points_lost desc, track_order, number
