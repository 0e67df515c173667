-- Which shared indicators each school of two rounds had in deficit (points below the maximum), and
-- which critical ones it failed, as one 128-bit mask per round: one row per school that had any.
-- The caller numbers the bits: $key_positions for a deficit of each (version, form, number),
-- $failed_positions for a failed critical one (negative where the indicator is not critical);
-- this query covers bits $first_position … $first_position + 127 and is asked again for more.
--
-- Answers are grouped by ИНН alone, with both rounds side by side: grouping by (import, ИНН) costs
-- twice as much over 2 × 2.7 million answers. So the answers an import in force no longer holds for
-- a school (replaced by a later import, or brought by a withdrawn one) are left out by an anti
-- join instead. The caller says in $has_replaced whether the two rounds have any such answers: as
-- a bound constant, false drops the join from the plan (a tenth of the query's work), which a
-- condition computed here could not.
with

indicator_keys as (
    select
        unnest($key_versions) as version,
        unnest($key_forms) as form,
        unnest($key_numbers) as number,
        unnest($key_positions) - $first_position as key_bit,
        unnest($failed_positions) - $first_position as failed_bit,
),

option_bits as (
    select
        o.option_id,
        if(k.key_bit between 0 and 127, 1::uhugeint << k.key_bit::uhugeint, 0::uhugeint)
        | if(
            o.is_failed_critical and k.failed_bit between 0 and 127,
            1::uhugeint << k.failed_bit::uhugeint,
            0::uhugeint
        ) as bits,
    from option_points as o
    join indicator_keys as k on k.version = o.version and k.form = o.form and k.number = o.number
    where o.points < o.points_max
),

round_schools as (
    select
        import_id,
        inn,
    from current_schools
    where round_id in ($from_round_id, $to_round_id)
),

replaced as (
    select
        s.import_id,
        s.inn,
    from import_schools as s
    anti join round_schools as r
        on r.import_id = s.import_id and r.inn = s.inn
    where s.round_id in ($from_round_id, $to_round_id) and $has_replaced
),

masks as (
    select
        a.inn,
        bit_or(if(a.round_id = $from_round_id, b.bits, 0)) as mask_from,
        bit_or(if(a.round_id = $to_round_id, b.bits, 0)) as mask_to,
    from answers as a
    join option_bits as b on b.option_id = a.option_id
    anti join replaced as r on r.import_id = a.import_id and r.inn = a.inn
    where a.round_id in ($from_round_id, $to_round_id) and b.bits <> 0
    group by a.inn
),

final as (
    select
        inn,
        (mask_from & 18446744073709551615)::ubigint as from_low,
        (mask_from >> 64)::ubigint as from_high,
        (mask_to & 18446744073709551615)::ubigint as to_low,
        (mask_to >> 64)::ubigint as to_high,
    from masks
)

select * from final
