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

final as (
    select
        f.inn,
        sc.name,
        sc.municipality,
        f.points,
        count(a.number) as count_answers,
    from full_marks as f
    join current_schools as c on c.round_id = $round_id and c.inn = f.inn
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    join schools as sc on sc.inn = f.inn
    where $municipality is null or sc.municipality = $municipality
    group by all
)

select * from final
