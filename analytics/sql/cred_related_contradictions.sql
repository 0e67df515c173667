-- Answers that contradict a pair of related indicators: the first answered at its maximum while
-- the second, which the first presupposes, scores 0. The pairs come from related_indicators.csv
-- beside the rubric, passed in as parallel lists.
with

related_pairs as (
    select
        unnest($pair_ids) as pair_id,
        unnest($pair_forms) as form,
        unnest($pair_numbers_best) as number_best,
        unnest($pair_numbers_zero) as number_zero,
),

related_numbers as (
    select form, number_best as number from related_pairs
    union
    select form, number_zero as number from related_pairs
),

round_answers as (
    select
        a.inn,
        a.form,
        a.number,
        a.indicator,
        a.answer,
        a.points,
        a.points_max,
    from current_answers as a
    semi join related_numbers as n on n.form = a.form and n.number = a.number
    where a.round_id = $round_id
),

contradictions as (
    select
        best.inn,
        p.pair_id,
        best.number as number_best,
        best.indicator as indicator_best,
        best.answer as answer_best,
        best.points as points_best,
        zero.number as number_zero,
        zero.indicator as indicator_zero,
        zero.answer as answer_zero,
    from related_pairs as p
    join round_answers as best on best.form = p.form and best.number = p.number_best
    join round_answers as zero on zero.inn = best.inn and zero.form = p.form and zero.number = p.number_zero
    where best.points = best.points_max and zero.points = 0
),

final as (
    select
        c.*,
        sc.name,
        sc.municipality,
    from contradictions as c
    join schools as sc on sc.inn = c.inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
