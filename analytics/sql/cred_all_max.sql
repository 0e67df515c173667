-- Schools whose every answer scores its maximum (their total equals the form's maximum).
with

full_marks as (
    select
        inn,
        points,
        points_max,
    from school_scores
    where round_id = $round_id and scope = 'total' and points = points_max
),

answer_counts as (
    select
        a.inn,
        count(*) as count_answers,
    from current_answers as a
    semi join full_marks as f on f.inn = a.inn
    where a.round_id = $round_id
    group by a.inn
),

final as (
    select
        f.inn,
        sc.name,
        sc.municipality,
        f.points,
        n.count_answers,
    from full_marks as f
    join answer_counts as n on n.inn = f.inn
    join schools as sc on sc.inn = f.inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
