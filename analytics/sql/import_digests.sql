-- The digest of each school of one import ($import_id), or of every import (null): see migration
-- 0006. The fingerprint adds up a hash of each chosen option: equal answer sets get equal
-- fingerprints, and two schools with equal fingerprints still have their answers compared
-- (cred_flags.sql), so a collision cannot flag a school. An option id stands for one answer to
-- one indicator of one form, so equal sets of them are the same answers.
insert into import_digests
with

option_bits as (
    select
        option_id,
        points,
        points_max,
        is_failed_critical,
        1::uhugeint << (number - 1)::uhugeint as bit,
    from option_points
),

final as (
    select
        a.import_id,
        a.inn,
        bit_or(if(o.points < o.points_max, o.bit, 0::uhugeint)) as deficit_mask,
        bit_or(if(o.is_failed_critical, o.bit, 0::uhugeint)) as failed_critical_mask,
        sum(hash(a.option_id)::hugeint) as answers_fingerprint,
    from answers as a
    join option_bits as o on o.option_id = a.option_id
    where $import_id is null or a.import_id = $import_id
    group by a.import_id, a.inn
)

select * from final
