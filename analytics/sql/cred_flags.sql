-- Every credibility flag of a round, one row per school, rule and finding, with the figures its
-- evidence quotes: each rule fills its own columns (`union all by name` leaves the others null).
-- Copies and similar schools are looked for region-wide; $municipality and $school_type only
-- choose whose flags are returned.
--
-- A national round holds 2.7 million answers, and reading a school's answers means matching
-- millions of ИНН, the costly step. So the contradiction rules take the answers they quote by
-- option id, which the scan filters before it reads an ИНН; answer counts come from the rubric,
-- since a stored school answered every indicator of its form (the importer refuses one that did
-- not); and only the copy rule reads whole answer sets, of the schools whose answer fingerprint
-- (import_digests.sql) is another school's too.
with

this_round as (
    select
        round_date,
        methodology as version,
    from rounds
    where round_id = $round_id
),

-- Answers of the round that are not in force: those of an import since replaced or withdrawn
-- (usually none, which makes leaving them out nearly free).
superseded as (
    select import_id, inn from import_schools where round_id = $round_id
    except
    select import_id, inn from current_schools where round_id = $round_id
),

-- Every school's identity and what similar schools are told apart by, read once.
school_identities as materialized (
    select
        inn,
        name,
        municipality,
        school_type,
        locality,
        pupils,
    from schools
),

round_totals as (
    select
        inn,
        points,
        points_max,
        level_rank,
        level_by_points,
    from school_scores
    where round_id = $round_id and scope = 'total'
),

round_options as materialized (
    select
        o.option_id,
        o.version,
        o.form,
        o.number,
        o.answer,
        o.points,
        o.track_code,
        o.indicator,
        o.points_max,
        o.is_failed_critical,
    from option_points as o
    semi join this_round as r on r.version = o.version
),

track_sizes as (
    select
        version,
        form,
        track_code,
        count(*) as count_indicators,
        sum(points_max) as points_max,
    from indicators
    group by all
),

form_sizes as (
    select
        version,
        form,
        count(*) as count_indicators,
    from indicators
    group by all
),

-- Related indicators: the first of a pair answered at its maximum while the second, which the
-- first presupposes, scores 0. The pairs come from related_indicators.csv as parallel lists.
related_pairs as (
    select
        unnest($pair_ids) as pair_id,
        unnest($pair_forms) as form,
        unnest($pair_numbers_best) as number_best,
        unnest($pair_numbers_zero) as number_zero,
),

related_best_options as (
    select
        p.pair_id,
        o.option_id,
    from related_pairs as p
    join round_options as o on o.form = p.form and o.number = p.number_best
    where o.points = o.points_max
),

related_zero_options as (
    select
        p.pair_id,
        o.option_id,
    from related_pairs as p
    join round_options as o on o.form = p.form and o.number = p.number_zero
    where o.points = 0
),

quoted_options as (
    select option_id from related_best_options
    union
    select option_id from related_zero_options
    union
    select option_id from round_options where is_failed_critical
),

-- The answers the contradiction rules quote, in one pass over the round.
quoted_answers as materialized (
    select
        a.import_id,
        a.inn,
        a.option_id,
    from answers as a
    semi join quoted_options as o on o.option_id = a.option_id
    anti join superseded as x on x.import_id = a.import_id and x.inn = a.inn
    where a.round_id = $round_id
),

related_found as (
    select
        zero.inn,
        'related_contradiction' as rule,
        z.pair_id,
        best_option.number as number_best,
        best_option.indicator as indicator_best,
        best_option.answer as answer_best,
        best_option.points as points_best,
        zero_option.number as number_zero,
        zero_option.indicator as indicator_zero,
        zero_option.answer as answer_zero,
    from quoted_answers as zero
    join related_zero_options as z on z.option_id = zero.option_id
    join quoted_answers as best on best.import_id = zero.import_id and best.inn = zero.inn
    join related_best_options as b on b.option_id = best.option_id and b.pair_id = z.pair_id
    join round_options as best_option on best_option.option_id = best.option_id
    join round_options as zero_option on zero_option.option_id = zero.option_id
),

-- A track at its maximum but for its one failed critical indicator: the track's points are its
-- maximum less that indicator's, so every other indicator of the track scores its maximum.
critical_found as (
    select
        f.inn,
        'critical_contradiction' as rule,
        t.track_name,
        t.track_order,
        z.count_indicators - 1 as count_others,
        o.number,
        o.indicator,
        o.answer,
    from quoted_answers as f
    join round_options as o on o.option_id = f.option_id
    join school_scores as s on s.inn = f.inn and s.scope = o.track_code
    join track_sizes as z on z.version = o.version and z.form = o.form and z.track_code = o.track_code
    join tracks as t on t.version = o.version and t.track_code = o.track_code
    where
        o.is_failed_critical
        and s.round_id = $round_id
        and s.count_failed_critical = 1
        and z.count_indicators > 1
        and s.points = z.points_max - o.points_max
),

-- Every answer at its maximum: the total is the form's maximum.
all_max_found as (
    select
        s.inn,
        'all_max' as rule,
        s.points,
        z.count_indicators as count_answers,
    from round_totals as s
    join current_schools as c on c.inn = s.inn
    cross join this_round as r
    join form_sizes as z on z.version = r.version and z.form = c.form
    where c.round_id = $round_id and s.points = s.points_max
),

-- Identical answers have identical fingerprints (import_digests.sql), so only schools sharing
-- a fingerprint have their answers read and compared: option ids are per form and indicator, so
-- equal sets of them are the same answers. Identical full marks are left to the all-maximum rule:
-- two schools at the maximum have not copied each other.
round_fingerprints as materialized (
    select
        c.import_id,
        c.inn,
        d.answers_fingerprint,
    from current_schools as c
    join import_digests as d on d.import_id = c.import_id and d.inn = c.inn
    anti join round_totals as t on t.inn = c.inn and t.points = t.points_max
    where c.round_id = $round_id
),

shared_fingerprints as (
    select answers_fingerprint
    from round_fingerprints
    group by answers_fingerprint
    having count(*) > 1
),

copy_candidates as (
    select
        f.import_id,
        f.inn,
    from round_fingerprints as f
    semi join shared_fingerprints as s on s.answers_fingerprint = f.answers_fingerprint
),

answer_sets as (
    select
        a.inn,
        list_sort(list(a.option_id)) as option_ids,
    from answers as a
    semi join copy_candidates as k on k.import_id = a.import_id and k.inn = a.inn
    where a.round_id = $round_id
    group by a.import_id, a.inn
),

copy_found as (
    select
        s.inn,
        'identical_answers' as rule,
        list(
            {'inn': other.inn, 'name': sc.name, 'municipality': sc.municipality}
            order by sc.municipality, sc.name, other.inn
        ) as other_schools,
    from answer_sets as s
    join answer_sets as other on other.option_ids = s.option_ids and other.inn <> s.inn
    join school_identities as sc on sc.inn = other.inn
    group by s.inn
),

-- A move of $min_levels levels or more, read from points alone (a level that moves only because
-- a critical indicator switched is no jump in the answers), since the school's own previous
-- round (the latest earlier round it passed, which may be older than the region's previous one).
scores_before as (
    select
        s.inn,
        arg_max(s.round_id, r.round_date) as round_id_before,
        arg_max(s.points, r.round_date) as points_before,
        arg_max(s.level_rank, r.round_date) as level_rank_before,
        arg_max(s.level_by_points, r.round_date) as level_by_points_before,
    from school_scores as s
    join rounds as r on r.round_id = s.round_id
    where
        s.scope = 'total'
        and r.round_date < (select round_date from this_round)
    group by s.inn
),

level_jump_found as (
    select
        n.inn,
        'level_jump' as rule,
        r.name as round_before,
        b.points_before,
        b.level_rank_before,
        n.points as points_now,
        n.level_rank as level_rank_now,
        b.level_by_points_before,
        n.level_by_points as level_by_points_now,
    from round_totals as n
    join scores_before as b on b.inn = n.inn
    join rounds as r on r.round_id = b.round_id_before
    where abs(n.level_by_points - b.level_by_points_before) >= $min_levels
),

-- A level that moved two levels or more, or to or from «ниже базового», while the level by
-- points moved less than a jump: the critical rule made the move, a critical indicator scoring 0
-- in one of the two rounds and not in the other (a level set by points and critical rule differs
-- from the level by points only through that rule). A milder finding than a jump: it names the
-- indicators that switched, read from the digests of the answers in force (import_digests.sql:
-- bit number − 1 of the school's form).
critical_switch_schools as (
    select
        n.inn,
        b.round_id_before,
        r.name as round_before,
        b.points_before,
        b.level_rank_before,
        n.points as points_now,
        n.level_rank as level_rank_now,
        b.level_by_points_before,
        n.level_by_points as level_by_points_now,
    from round_totals as n
    join scores_before as b on b.inn = n.inn
    join rounds as r on r.round_id = b.round_id_before
    where
        abs(n.level_by_points - b.level_by_points_before) < $min_levels
        and (
            abs(n.level_rank - b.level_rank_before) >= $min_levels
            or (n.level_rank = 0) <> (b.level_rank_before = 0)
        )
        and n.level_rank - b.level_rank_before <> n.level_by_points - b.level_by_points_before
),

switch_failed_critical as (
    select
        c.round_id = $round_id as is_now,
        c.inn,
        list({'number': i.number, 'indicator': i.indicator} order by i.number) as failed,
    from critical_switch_schools as s
    join current_schools as c on c.inn = s.inn and c.round_id in (s.round_id_before, $round_id)
    join rounds as r on r.round_id = c.round_id
    join import_digests as d on d.import_id = c.import_id and d.inn = c.inn
    join indicators as i on i.version = r.methodology and i.form = c.form
    where i.is_critical and (d.failed_critical_mask >> (i.number - 1)::uhugeint) & 1::uhugeint = 1
    group by all
),

critical_switch_found as (
    select
        s.* exclude (round_id_before),
        'critical_switch' as rule,
        coalesce(before.failed, []) as failed_before,
        coalesce(now.failed, []) as failed_now,
    from critical_switch_schools as s
    left join switch_failed_critical as before on before.inn = s.inn and not before.is_now
    left join switch_failed_critical as now on now.inn = s.inn and now.is_now
    where coalesce(before.failed, []) is distinct from coalesce(now.failed, [])
),

-- Totals far from similar schools (the same form, locality and size band, at least $min_group
-- of them region-wide): the robust z-score 0.6745·(x − median) / MAD.
similar_totals as (
    select
        s.inn,
        c.form,
        coalesce(sc.locality, '') as locality,
        len(list_filter($band_starts, lambda b: b <= sc.pupils)) as size_band,
        s.points,
    from round_totals as s
    join current_schools as c on c.inn = s.inn
    join school_identities as sc on sc.inn = s.inn
    where c.round_id = $round_id
),

similar_groups as (
    select
        form,
        locality,
        size_band,
        count(*) as count_schools,
        median(points) as points_median,
        mad(points) as points_mad,
    from similar_totals
    group by all
    having count(*) >= $min_group
),

total_outlier_found as (
    select
        t.inn,
        'total_outlier' as rule,
        t.locality,
        t.size_band,
        t.points,
        g.points_median,
        g.points_mad,
        g.count_schools,
        0.6745 * (t.points - g.points_median) / g.points_mad as robust_z,
    from similar_totals as t
    join similar_groups as g on g.form = t.form and g.locality = t.locality and g.size_band = t.size_band
    where g.points_mad > 0 and abs(0.6745 * (t.points - g.points_median) / g.points_mad) > $z_threshold
),

found as (
    select * from related_found
    union all by name
    select * from critical_found
    union all by name
    select * from all_max_found
    union all by name
    select * from copy_found
    union all by name
    select * from level_jump_found
    union all by name
    select * from critical_switch_found
    union all by name
    select * from total_outlier_found
),

final as (
    select
        f.inn,
        sc.name,
        sc.municipality,
        f.* exclude (inn),
    from found as f
    join school_identities as sc on sc.inn = f.inn
    where
        ($municipality is null or sc.municipality = $municipality)
        and ($school_type is null or sc.school_type = $school_type)
)

select * from final
