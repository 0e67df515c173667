delete from measure_indicators where measure_id = $measure_id
