-- The schools a page is filtered to: of one municipality and one school type, or of all (null
-- for either). Nearly every page's query starts from them, so the rule is written once; DuckDB
-- inlines a table macro into the query that calls it, as it does a view.
create macro chosen_schools(chosen_municipality, chosen_school_type) as table
    select *
    from schools
    where
        (chosen_municipality is null or municipality = chosen_municipality)
        and (chosen_school_type is null or school_type = chosen_school_type);
