-- Deficits (points below the maximum) closed and opened between two rounds, per indicator and per
-- municipality, over the listed schools ($inns) present in both. Indicators are matched by a key
-- the caller derives from their normalised text, so two methodology versions compare on what they
-- share.
--
-- Pairing 2 × 68 answers of 40,000 schools row by row is the slow way; instead each school's
-- answers in a round fold into bit masks (one bit per indicator key, 63 keys per bigint word), and
-- the masks of the two rounds are compared with bitwise operations. Only deficit answers are read:
-- which keys a school answered follows from its form. Answers fold into masks before they meet
-- the schools in force (by import), which is why this reads `answers` with `option_points` rather
-- than the `current_answers` view: joining the schools first costs a fifth more. Every mask is cut
-- to the keys answered in both rounds, so the sign bit that `~` sets never reaches bit_count.
with

indicator_keys as (
    select
        unnest($key_versions) as version,
        unnest($key_forms) as form,
        unnest($key_numbers) as number,
        unnest($key_ids) as key_id,
),

key_bits as (
    select distinct
        key_id,
        key_id // 63 as word,
        1::bigint << (key_id % 63) as bit,
    from indicator_keys
),

option_facts as (
    select
        o.option_id,
        b.word,
        b.bit,
        o.points < o.points_max as is_deficit,
        o.is_failed_critical,
    from option_points as o
    join indicator_keys as k on k.version = o.version and k.form = o.form and k.number = o.number
    join key_bits as b on b.key_id = k.key_id
),

form_words as (
    select
        k.version,
        k.form,
        b.word,
        bit_or(b.bit) as answered,
    from indicator_keys as k
    join key_bits as b on b.key_id = k.key_id
    group by all
),

-- The listed schools ($inns) in each round; materialized so that they are picked out before the
-- millions of answers are joined.
round_schools as materialized (
    select
        c.round_id,
        c.import_id,
        c.inn,
        c.form,
        r.methodology as version,
        s.municipality,
    from current_schools as c
    join rounds as r on r.round_id = c.round_id
    join schools as s on s.inn = c.inn
    semi join (select unnest($inns) as inn) as listed on listed.inn = c.inn
    where c.round_id in ($from_round_id, $to_round_id)
),

deficit_masks as (
    select
        a.import_id,
        a.inn,
        f.word,
        bit_or(f.bit) as deficits,
        coalesce(bit_or(f.bit) filter (where f.is_failed_critical), 0) as failed_critical,
    from answers as a
    join option_facts as f on f.option_id = a.option_id
    where a.round_id in ($from_round_id, $to_round_id) and f.is_deficit
    group by all
),

masks as (
    select
        r.round_id,
        r.inn,
        r.municipality,
        w.word,
        w.answered,
        coalesce(m.deficits, 0) as deficits,
        coalesce(m.failed_critical, 0) as failed_critical,
    from round_schools as r
    join form_words as w on w.version = r.version and w.form = r.form
    left join deficit_masks as m on m.import_id = r.import_id and m.inn = r.inn and m.word = w.word
),

pairs as (
    select
        t.municipality,
        f.word,
        f.answered & t.answered as answered_both,
        f.deficits & answered_both as deficits_from,
        t.deficits & answered_both as deficits_to,
        deficits_from & ~deficits_to as closed,
        deficits_to & ~deficits_from as opened,
        f.failed_critical & answered_both & ~t.failed_critical as critical_closed,
        t.failed_critical & answered_both & ~f.failed_critical as critical_opened,
    from masks as f
    join masks as t on t.inn = f.inn and t.word = f.word
    where f.round_id = $from_round_id and t.round_id = $to_round_id
),

by_indicator as (
    select
        'indicator' as breakdown,
        null::varchar as municipality,
        b.key_id,
        count_if((p.answered_both & b.bit) <> 0) as n_pairs,
        count_if((p.deficits_from & b.bit) <> 0) as deficits_from,
        count_if((p.deficits_to & b.bit) <> 0) as deficits_to,
        count_if((p.closed & b.bit) <> 0) as closed,
        count_if((p.opened & b.bit) <> 0) as opened,
        null::bigint as critical_closed,
        null::bigint as critical_opened,
    from pairs as p
    join key_bits as b on b.word = p.word
    group by b.key_id
),

by_municipality as (
    select
        'municipality' as breakdown,
        municipality,
        null::integer as key_id,
        null::bigint as n_pairs,
        sum(bit_count(deficits_from)) as deficits_from,
        sum(bit_count(deficits_to)) as deficits_to,
        sum(bit_count(closed)) as closed,
        sum(bit_count(opened)) as opened,
        sum(bit_count(critical_closed)) as critical_closed,
        sum(bit_count(critical_opened)) as critical_opened,
    from pairs
    group by municipality
),

final as (
    select * from by_indicator
    union all
    select * from by_municipality
)

select * from final
