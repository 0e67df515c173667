insert into measure_indicators values ($measure_id, $form, $number)
