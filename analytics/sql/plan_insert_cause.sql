insert into interview_causes values ($interview_id, $track_code, $causes)
