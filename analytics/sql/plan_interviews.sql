-- A school's interviews in a round, latest first, with the causes named per track.
select
    i.interview_id,
    i.held_on,
    i.participants,
    i.conclusions,
    i.recorded_by,
    i.recorded_at,
    list(c.track_code || ': ' || c.causes order by c.track_code)
        filter (where c.track_code is not null) as causes,
from interviews as i
left join interview_causes as c on c.interview_id = i.interview_id
where
    i.round_id = $round_id
    and i.inn = $inn
group by all
order by i.held_on desc, i.interview_id desc
