-- Pairs of schools of a round whose answers are identical, indicator by indicator (option ids are
-- per form, so equal lists mean the same form too). Identical answers give identical points in
-- every scope, so only schools sharing their points everywhere (a hash of them, a mere filter) are
-- compared answer by answer.
-- Identical full marks are left to the all-maximum rule: two schools at the maximum have not
-- copied each other.
with

point_signatures as materialized (
    select
        inn,
        sum(hash(scope, points)::hugeint) as signature,
        bool_or(scope = 'total' and points = points_max) as is_all_max,
    from school_scores
    where round_id = $round_id
    group by inn
),

shared_signatures as (
    select signature
    from point_signatures
    where not is_all_max
    group by signature
    having count(*) > 1
),

candidates as (
    select p.inn
    from point_signatures as p
    semi join shared_signatures as s on s.signature = p.signature
    where not p.is_all_max
),

answer_sets as (
    select
        a.inn,
        list(a.option_id order by a.number) as option_ids,
    from current_answers as a
    semi join candidates as k on k.inn = a.inn
    where a.round_id = $round_id
    group by a.inn
),

copies as (
    select
        s.inn,
        other.inn as other_inn,
    from answer_sets as s
    join answer_sets as other on other.option_ids = s.option_ids and other.inn <> s.inn
),

final as (
    select
        c.inn,
        sc.name,
        sc.municipality,
        c.other_inn,
        other.name as other_name,
        other.municipality as other_municipality,
    from copies as c
    join schools as sc on sc.inn = c.inn
    join schools as other on other.inn = c.other_inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
order by inn, other_municipality, other_name, other_inn
