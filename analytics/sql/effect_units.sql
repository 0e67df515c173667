-- Every deficit of the earlier round ($from_round) in a school that took part in the later one
-- ($to_round): whether it closed (the indicator at its maximum in the later round, matched by
-- form and indicator text) and the kinds of the school's measures that targeted it (measures of
-- the earlier round, cancelled ones left out).
with

before as (
    select
        inn,
        form,
        track_code,
        number,
        indicator,
    from current_answers
    where
        round_id = $from_round
        and points < points_max
),

after as (
    select
        inn,
        form,
        indicator,
        points >= points_max as is_closed,
    from current_answers
    where round_id = $to_round
),

measured as (
    select
        m.inn,
        m.kind,
        t.form,
        t.number,
    from measures as m
    join measure_indicators as t on t.measure_id = m.measure_id
    where
        m.round_id = $from_round
        and m.status <> 'отменено'
),

final as (
    select
        b.inn,
        b.form,
        b.track_code,
        b.number,
        a.is_closed,
        coalesce(list(distinct me.kind order by me.kind) filter (where me.kind is not null), []) as kinds,
    from before as b
    join after as a on a.inn = b.inn and a.form = b.form and a.indicator = b.indicator
    left join measured as me on me.inn = b.inn and me.form = b.form and me.number = b.number
    group by all
)

select * from final
order by inn, form, number
