insert into interviews
select
    coalesce(max(interview_id), 0) + 1,
    $inn,
    $round_id,
    $held_on,
    $participants,
    $conclusions,
    $recorded_by,
    $recorded_at,
from interviews
returning interview_id
