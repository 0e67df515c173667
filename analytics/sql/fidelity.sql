-- Schools whose computed total or level differs from what the portal's export states.
with

imports_in_force as (
    select import_id
    from imports
    where withdrawn_at is null
),

stated as (
    select
        p.round_id,
        p.inn,
        p.scope,
        arg_max(p.points, p.import_id) as points,
        arg_max(p.level_rank, p.import_id) as level_rank,
    from portal_results as p
    semi join imports_in_force as f on f.import_id = p.import_id
    where p.round_id = $round_id
    group by all
),

compared as (
    select
        s.inn,
        sc.name,
        sc.municipality,
        s.scope,
        e.points as points_engine,
        s.points as points_portal,
        e.level_rank as level_rank_engine,
        s.level_rank as level_rank_portal,
        coalesce(s.points <> e.points, false) as is_points_different,
        coalesce(s.level_rank <> e.level_rank, false) as is_level_different,
    from stated as s
    join school_scores as e on e.round_id = s.round_id and e.inn = s.inn and e.scope = s.scope
    join schools as sc on sc.inn = s.inn
    where
        ($inn is null or s.inn = $inn)
        and ($municipality is null or sc.municipality = $municipality)
),

final as (
    select
        c.inn,
        c.name,
        c.municipality,
        c.scope,
        c.points_engine,
        c.points_portal,
        le.level as level_engine,
        lp.level as level_portal,
    from compared as c
    left join levels as le on le.level_rank = c.level_rank_engine
    left join levels as lp on lp.level_rank = c.level_rank_portal
    where c.is_points_different or c.is_level_different
)

select * from final
order by municipality, name, inn, scope = 'total' desc, scope
