-- Every answer of one school in force in a round, with its points and whether it is critical.
with

school_answers as (
    select *
    from current_answers
    where round_id = $round_id and inn = $inn
),

final as (
    select
        a.inn,
        a.track_code,
        t.track_name,
        t.track_order,
        a.number,
        a.indicator,
        a.is_critical,
        a.answer,
        a.points,
        a.points_max,
        a.is_failed_critical,
    from school_answers as a
    join tracks as t on t.version = a.version and t.track_code = a.track_code
)

select * from final
order by track_order, number
