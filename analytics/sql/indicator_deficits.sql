-- The schools of a round that lost points on one indicator, of one municipality and school type
-- or all. The indicator is given per form as parallel lists ($forms, $numbers): the same text is
-- numbered apart in each form, and a seminar invites the schools of every form.
with

indicator_keys as (
    select
        unnest($forms) as form,
        unnest($numbers) as number,
),

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
        and (form, number) in (select (form, number) from indicator_keys)
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
