-- The schools of a round that lost points on one indicator of one form, of one municipality and
-- school type or all.
with

deficit_answers as (
    select
        inn,
        answer as answer_current,
        points as points_current,
        points_max,
        is_failed_critical,
    from current_answers
    where
        round_id = $round_id
        and form = $form
        and number = $number
        and points < points_max
),

final as (
    select
        d.inn,
        sc.name,
        sc.municipality,
        sc.school_type,
        d.answer_current,
        d.points_current,
        d.points_max,
        d.is_failed_critical,
    from deficit_answers as d
    join chosen_schools($municipality, $school_type) as sc on sc.inn = d.inn
)

select * from final
order by municipality, name, inn
