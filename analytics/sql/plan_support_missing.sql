-- Schools of a round still without a recorded interview, or with deficits and no measure, once
-- ten days ($days) have passed since the round's results. The results date is the day of the
-- round's last import in force: only then does the municipality hold every school's results
-- (the round's own date is nominal — 1 April for «Весна» — and usually precedes the survey).
with

results as (
    select cast(max(imported_at) as date) as results_on,
    from imports
    where
        round_id = $round_id
        and withdrawn_at is null
),

round_schools as (
    select
        c.inn,
        s.name,
        s.municipality,
        sc.points < sc.points_max as has_deficits,
    from current_schools as c
    join schools as s on s.inn = c.inn
    join school_scores as sc on sc.round_id = c.round_id and sc.inn = c.inn and sc.scope = 'total'
    where
        c.round_id = $round_id
        and ($municipality is null or s.municipality = $municipality)
),

final as (
    select
        rs.inn,
        rs.name,
        rs.municipality,
        r.results_on,
        r.results_on + to_days(cast($days as integer)) as interview_due_on,
        exists (
            select 1 from interviews as i where i.round_id = $round_id and i.inn = rs.inn
        ) as has_interview,
        exists (
            select 1 from measures as m where m.round_id = $round_id and m.inn = rs.inn
        ) as has_plan,
        rs.has_deficits,
    from round_schools as rs
    cross join results as r
    where $today >= r.results_on + to_days(cast($days as integer))
)

select * from final
where not has_interview or (has_deficits and not has_plan)
order by municipality, name, inn
