-- Which indicators each school of two rounds had in deficit and which critical ones it failed,
-- from the digest of its answers in force (import_digests.sql): bit (number − 1) of the form the
-- school answered, each 128-bit mask split in two 64-bit words for numpy. One row per school and
-- round; the caller renumbers the bits by the indicators the two methodologies share.
with

final as (
    select
        c.inn,
        c.round_id = $to_round_id as is_to,
        (d.deficit_mask & 18446744073709551615)::ubigint as deficit_low,
        (d.deficit_mask >> 64)::ubigint as deficit_high,
        (d.failed_critical_mask & 18446744073709551615)::ubigint as failed_low,
        (d.failed_critical_mask >> 64)::ubigint as failed_high,
    from current_schools as c
    join import_digests as d on d.import_id = c.import_id and d.inn = c.inn
    where c.round_id in ($from_round_id, $to_round_id)
)

select * from final
