insert or replace into settings (name, value) values ($name, $value)
