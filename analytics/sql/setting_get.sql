select value from settings where name = $name
