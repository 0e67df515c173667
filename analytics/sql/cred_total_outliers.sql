-- Totals far from similar schools: within each group of the same form, locality and size band
-- (of at least $min_group schools, region-wide), the robust z-score 0.6745·(x − median) / MAD.
with

totals as (
    select
        s.inn,
        c.form,
        coalesce(sc.locality, '') as locality,
        len(list_filter($band_starts, lambda b: b <= sc.pupils)) as size_band,
        s.points,
    from school_scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join schools as sc on sc.inn = s.inn
    where s.round_id = $round_id and s.scope = 'total'
),

group_medians as (
    select
        form,
        locality,
        size_band,
        median(points) as points_median,
        count(*) as count_schools,
    from totals
    group by all
    having count(*) >= $min_group
),

group_spreads as (
    select
        t.form,
        t.locality,
        t.size_band,
        any_value(g.points_median) as points_median,
        any_value(g.count_schools) as count_schools,
        median(abs(t.points - g.points_median)) as points_mad,
    from totals as t
    join group_medians as g on g.form = t.form and g.locality = t.locality and g.size_band = t.size_band
    group by all
),

scored as (
    select
        t.inn,
        t.locality,
        t.size_band,
        t.points,
        g.points_median,
        g.points_mad,
        g.count_schools,
        0.6745 * (t.points - g.points_median) / g.points_mad as robust_z,
    from totals as t
    join group_spreads as g on g.form = t.form and g.locality = t.locality and g.size_band = t.size_band
    where g.points_mad > 0
),

final as (
    select
        s.*,
        sc.name,
        sc.municipality,
    from scored as s
    join schools as sc on sc.inn = s.inn
    where
        abs(s.robust_z) > $z_threshold
        and ($municipality is null or sc.municipality = $municipality)
)

select * from final
